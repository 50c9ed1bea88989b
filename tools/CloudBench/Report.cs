using System.Globalization;
using System.Text;

namespace EdgeInventory.CloudBench;

/// <summary>The human-readable table of a run: each figure beside its target.</summary>
internal static class Report
{
    public static string Table(Dictionary<string, object?> results)
    {
        var t = new StringBuilder();
        string Line(string what, string value, string target = "", string met = "") =>
            string.Create(CultureInfo.InvariantCulture, $"  {what,-44} {value,18}   {target,-14} {met}");
        t.AppendLine(CultureInfo.InvariantCulture, $"bench cloud: {results["database"]}, {results["cores"]} cores (load average {results.GetValueOrDefault("loadAverage1m")} before), Cloud:Ingest:BatchSize {results.GetValueOrDefault("batchSize")}");
        t.AppendLine(Line("", "measured", "target", ""));
        if (results.GetValueOrDefault("ingest") is Dictionary<string, object?> i)
        {
            double rate = Convert.ToDouble(i["eventsPerSecond"], CultureInfo.InvariantCulture);
            t.AppendLine(Line($"ingest, events/s ({i["stored"]:N0} of {i["events"]:N0} stored)", $"{rate:N0}", "≥ 20,000", Met(rate >= 20_000 && (bool)i["complete"]!)));
            t.AppendLine(Line("  first publish → last stored, s", $"{i["seconds"]:0.00}"));
            t.AppendLine(Line("  all PUBACKs back, s", $"{i["publishedSeconds"]:0.00}"));
            t.AppendLine(Line("  ingest loop busy (apply + commit), s", $"{i["ingestBusySeconds"]:0.00}"));
            t.AppendLine(Line("  ingest loop µs per event", $"{i["ingestMicrosecondsPerEvent"]:0.0}"));
            t.AppendLine(Line("  batches, mean size", $"{i["batches"]}, {i["meanBatch"]:0.0}"));
            t.AppendLine(Line("  CPU s: this process / mosquitto / postgres", $"{i["cpuSecondsThisProcess"]:0.00} / {i["cpuSecondsMosquitto"]:0.00} / {i["cpuSecondsPostgres"] ?? "-"}"));
            t.AppendLine(Line("  Apply + commit alone (no MQTT), events/s", $"{i["applyAloneEventsPerSecond"]:N0}"));
            t.AppendLine(Line("    µs per event: wall / CPU / parsing", $"{i["applyAloneMicrosecondsPerEvent"]:0.0} / {i["applyAloneCpuMicrosecondsPerEvent"]:0.0} / {i["parseMicrosecondsPerEvent"]:0.0}"));
            t.AppendLine(Line("  publish alone (no subscriber), events/s", $"{i["publishAloneEventsPerSecond"]:N0}"));
            t.AppendLine(Line("  publish alone CPU s: this process / mosquitto", $"{i["publishAloneCpuSecondsThisProcess"]:0.00} / {i["publishAloneCpuSecondsMosquitto"]:0.00}"));
            t.AppendLine(Line($"  alert latency in the burst, MQTT ms", P(i["burstAlertMqttMs"])));
            t.AppendLine(Line($"  alert latency in the burst, SSE ms", P(i["burstAlertSseMs"])));
        }
        if (results.GetValueOrDefault("alerts") is Dictionary<string, object?> a)
        {
            t.AppendLine(Line($"alerts at {a["offeredEventsPerSecond"]:N0} events/s offered ({a["achievedEventsPerSecond"]:N0} achieved)", $"{a["alertsOpened"]} opened"));
            t.AppendLine(Line("  publish → OperatorAlert (MQTT), ms", P(a["mqttMs"]), "p99 ≤ 500", Met(P99(a["mqttMs"]) <= 500)));
            t.AppendLine(Line("  publish → SSE 'opened', ms", P(a["sseMs"]), "p99 ≤ 500", Met(P99(a["sseMs"]) <= 500)));
            t.AppendLine(Line("  alerts not seen on both", $"{a["missing"]}"));
            t.AppendLine(Line("  MQTT deliveries, mean commit → PUBACK ms", $"{a["deliveries"]}, {a["deliveryLagMeanMs"] ?? "-"}"));
            if (a["sseError"] is string sse)
            {
                t.AppendLine("    the event stream failed: " + sse);
            }
        }
        if (results.GetValueOrDefault("overview") is Dictionary<string, object?> o)
        {
            t.AppendLine(Line($"GET /api/v1/stores ({o["storesListed"]} stores × {o["zonesPerStore"]} zones)", P(o["storesMs"], p99: false), "p95 ≤ 100", Met(P95(o["storesMs"]) <= 100)));
            t.AppendLine(Line($"GET /api/v1/stores/{{id}} ({o["zonesPerStore"]} zones)", P(o["storeDetailMs"], p99: false)));
            t.AppendLine(Line("  seeded by", "direct SQL"));
        }
        if (results.GetValueOrDefault("web") is Dictionary<string, object?> w)
        {
            t.AppendLine(Line($"web GET / ({w["seededStores"]} stores, HTML with data)", P(w["overviewHtmlMs"], p99: false), "p95 ≤ 1000", Met(P95(w["overviewHtmlMs"]) <= 1000)));
            t.AppendLine(Line($"web GET /stores/{{id}} (stock map, {w["zonesPerStore"]} zones)", P(w["storeMapHtmlMs"], p99: false), "p95 ≤ 500", Met(P95(w["storeMapHtmlMs"]) <= 500)));
        }
        if (results.GetValueOrDefault("forecast") is Dictionary<string, object?> f)
        {
            double seconds = Convert.ToDouble(f["seconds"], CultureInfo.InvariantCulture);
            t.AppendLine(Line($"forecast run, s ({f["series"]:N0} series × {f["historyDays"]} days)", $"{seconds:0.0}", "≤ 120", Met(seconds <= 120)));
            t.AppendLine(Line("  CPU s this process", $"{f["cpuSecondsThisProcess"]:0.0}"));
            t.AppendLine(Line("  s: read + derive / prepare / forecast / write", $"{f["readSeconds"]:0.0} / {f["prepareSeconds"]:0.0} / {f["forecastSeconds"]:0.0} / {f["writeSeconds"]:0.0}"));
            t.AppendLine(Line("  censored days, series with a fallback", $"{f["censoredDays"]:N0}, {f["fallbacks"]:N0}"));
            t.AppendLine(Line("  GET /recommendations?limit=100, ms", $"{f["firstPageMs"]:0}"));
        }
        if (results.GetValueOrDefault("error") is string error)
        {
            t.AppendLine("  failed: " + error);
        }
        t.Append("  (latencies as p50/p95/p99 ms; GETs as p50/p95 ms)");
        return t.ToString();
    }

    private static string Met(bool met) => met ? "met" : "MISSED";

    private static double P95(object? p) => p is Dictionary<string, object?> d && d["p95"] is double v ? v : double.PositiveInfinity;

    private static double P99(object? p) => p is Dictionary<string, object?> d && d["p99"] is double v ? v : double.PositiveInfinity;

    private static string P(object? p, bool p99 = true) => p is Dictionary<string, object?> d && d["p50"] is double
        ? p99 ? string.Create(CultureInfo.InvariantCulture, $"{d["p50"]:0.0}/{d["p95"]:0.0}/{d["p99"]:0.0}") : string.Create(CultureInfo.InvariantCulture, $"{d["p50"]:0.0}/{d["p95"]:0.0}")
        : "none";
}
