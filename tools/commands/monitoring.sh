# Monitoring (deploy/monitoring): what its tests need. Sourced by tools/edgeinv.

# tests/EdgeInventory.Monitoring.Tests runs Debian's promtool on deploy/monitoring and a real prometheus
# scraping an in-process aggregator (which also needs mosquitto, from test_needs_mqtt).
test_needs_monitoring() {
    ensure_apt prometheus
}
