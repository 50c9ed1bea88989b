using EdgeInventory.Cloud.Api;

namespace EdgeInventory.Cloud.Web;

/// <summary>
/// <c>/reorder</c>: what to reorder now, read from <c>GET /api/v1/recommendations</c> by <c>reorder.js</c> and shown
/// as a table of whatever fields the rows carry. Until the forecasting run (issue 12, item 6) serves that endpoint
/// it answers 404 and the page says the view is not available yet.
/// </summary>
internal static class ReorderPage
{
    public static string Render(ApiCaller caller) => Html.Page("Reorder", "reorder", caller, """
        <h1>Reorder</h1>
        <form class="filters" method="get" action="/reorder" role="search">
          <label for="store">Store</label><input id="store" name="store">
          <label for="sku">SKU</label><input id="sku" name="sku">
          <button type="submit">Filter</button>
        </form>
        <div id="reorder" aria-live="polite"><p class="status" role="status">Loading recommendations…</p></div>
        """, "reorder.js");
}
