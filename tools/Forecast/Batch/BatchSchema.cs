namespace EdgeInventory.Forecast.Cli.Batch;

/// <summary>
/// The tables <c>forecast run</c> reads and writes, in SQL that SQLite and PostgreSQL both accept
/// (documented in tools/Forecast/README.md; <c>forecast init-db</c> creates them).
/// </summary>
internal static class BatchSchema
{
    public static readonly string[] CreateStatements =
    [
        """
        CREATE TABLE IF NOT EXISTS demand_history (
            store_id TEXT NOT NULL, sku TEXT NOT NULL, day DATE NOT NULL,
            quantity DOUBLE PRECISION, censored BOOLEAN NOT NULL DEFAULT FALSE,
            PRIMARY KEY (store_id, sku, day))
        """,
        """
        CREATE TABLE IF NOT EXISTS stock_levels (
            store_id TEXT NOT NULL, sku TEXT NOT NULL,
            on_hand DOUBLE PRECISION NOT NULL, on_order DOUBLE PRECISION NOT NULL DEFAULT 0,
            PRIMARY KEY (store_id, sku))
        """,
        """
        CREATE TABLE IF NOT EXISTS replenishment_settings (
            store_id TEXT NOT NULL, sku TEXT NOT NULL,
            lead_time_days DOUBLE PRECISION NOT NULL, lead_time_sd_days DOUBLE PRECISION NOT NULL DEFAULT 0,
            review_period_days INTEGER NOT NULL DEFAULT 7, fill_rate_target DOUBLE PRECISION,
            cycle_service_level DOUBLE PRECISION NOT NULL DEFAULT 0.95,
            PRIMARY KEY (store_id, sku))
        """,
        """
        CREATE TABLE IF NOT EXISTS demand_forecasts (
            run_id TEXT NOT NULL, store_id TEXT NOT NULL, sku TEXT NOT NULL, day DATE NOT NULL,
            quantity DOUBLE PRECISION NOT NULL, method TEXT NOT NULL,
            PRIMARY KEY (run_id, store_id, sku, day))
        """,
        """
        CREATE TABLE IF NOT EXISTS reorder_recommendations (
            run_id TEXT NOT NULL, store_id TEXT NOT NULL, sku TEXT NOT NULL, method TEXT NOT NULL, fallback TEXT,
            forecast_per_day DOUBLE PRECISION NOT NULL, on_hand DOUBLE PRECISION NOT NULL, on_order DOUBLE PRECISION NOT NULL,
            reorder_point DOUBLE PRECISION NOT NULL, order_up_to DOUBLE PRECISION NOT NULL, safety_stock DOUBLE PRECISION NOT NULL,
            order_quantity DOUBLE PRECISION NOT NULL, stockout_date DATE,
            PRIMARY KEY (run_id, store_id, sku))
        """,
    ];
}
