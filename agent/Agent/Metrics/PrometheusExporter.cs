using System.Collections.Concurrent;
using System.Diagnostics.Metrics;
using System.Globalization;
using System.Text;

namespace EdgeInventory.Agent.Metrics;

/// <summary>
/// Collects the instruments of the named <see cref="Meter"/>s (and their sub-meters, <c>Name.*</c>) through a <see cref="MeterListener"/> and writes them
/// in the Prometheus text exposition format (0.0.4), named as prometheus-net names them: the instrument
/// name is the metric name (<c>edgeinv_…</c>, counters ending in <c>_total</c>, durations in
/// <c>_seconds</c>), tags become labels, histograms get cumulative <c>_bucket{le=…}</c>, <c>_sum</c> and
/// <c>_count</c>. Observable instruments are read at scrape time.
/// </summary>
public sealed class PrometheusExporter : IDisposable
{
    private readonly MeterListener _listener = new();
    private readonly ConcurrentDictionary<Instrument, Series> _series = new();
    private readonly IReadOnlyDictionary<string, double[]> _buckets;
    private readonly Lock _scrape = new();

    public PrometheusExporter(IReadOnlyCollection<string> meterNames, IReadOnlyDictionary<string, double[]> histogramBuckets)
    {
        _buckets = histogramBuckets;
        _listener.InstrumentPublished = (instrument, listener) =>
        {
            string meter = instrument.Meter.Name;
            if (meterNames.Any(n => meter == n || meter.StartsWith(n + ".", StringComparison.Ordinal)))
            {
                _series.TryAdd(instrument, new Series(instrument, _buckets.GetValueOrDefault(instrument.Name, DefaultBuckets)));
                listener.EnableMeasurementEvents(instrument);
            }
        };
        _listener.SetMeasurementEventCallback<long>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<int>((i, v, tags, _) => Record(i, v, tags));
        _listener.SetMeasurementEventCallback<double>((i, v, tags, _) => Record(i, v, tags));
        _listener.Start();
    }

    /// <summary>prometheus-net's default buckets.</summary>
    public static readonly double[] DefaultBuckets = [0.005, 0.01, 0.025, 0.05, 0.075, 0.1, 0.25, 0.5, 0.75, 1, 2.5, 5, 7.5, 10];

    public string Scrape()
    {
        lock (_scrape)
        {
            foreach (Series s in _series.Values)
            {
                if (s.IsObservable)
                {
                    s.ClearObserved();
                }
            }

            _listener.RecordObservableInstruments();
            var text = new StringBuilder();
            foreach (Series s in _series.Values.OrderBy(static s => s.Instrument.Name, StringComparer.Ordinal))
            {
                s.Write(text);
            }

            return text.ToString();
        }
    }

    public void Dispose() => _listener.Dispose();

    private void Record(Instrument instrument, double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
    {
        if (_series.TryGetValue(instrument, out Series? s))
        {
            s.Record(value, tags);
        }
    }

    private sealed class Series(Instrument instrument, double[] buckets)
    {
        private readonly Lock _gate = new();
        private readonly Dictionary<string, double> _values = new(StringComparer.Ordinal);
        private readonly Dictionary<string, (long[] Counts, double Sum, long Count)> _histograms = new(StringComparer.Ordinal);

        public Instrument Instrument { get; } = instrument;

        public bool IsObservable => Instrument.IsObservable;

        private string Kind => Instrument switch
        {
            Counter<long> or Counter<int> or Counter<double> or ObservableCounter<long> or ObservableCounter<int> or ObservableCounter<double> => "counter",
            Histogram<double> or Histogram<long> or Histogram<int> => "histogram",
            _ => "gauge",
        };

        public void ClearObserved()
        {
            lock (_gate)
            {
                _values.Clear();
            }
        }

        public void Record(double value, ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            string labels = Labels(tags);
            lock (_gate)
            {
                if (Kind == "histogram")
                {
                    if (!_histograms.TryGetValue(labels, out var h))
                    {
                        h = (new long[buckets.Length], 0, 0);
                    }

                    for (int i = 0; i < buckets.Length; i++)
                    {
                        if (value <= buckets[i])
                        {
                            h.Counts[i]++;
                        }
                    }

                    _histograms[labels] = (h.Counts, h.Sum + value, h.Count + 1);
                }
                else if (!IsObservable && Kind == "counter")
                {
                    _values[labels] = _values.GetValueOrDefault(labels) + value;
                }
                else
                {
                    _values[labels] = value; // gauges, and observable counters (already cumulative)
                }
            }
        }

        public void Write(StringBuilder text)
        {
            string name = Instrument.Name;
            lock (_gate)
            {
                if (_values.Count == 0 && _histograms.Count == 0)
                {
                    return;
                }

                text.Append("# HELP ").Append(name).Append(' ').Append(Instrument.Description ?? name).Append('\n');
                text.Append("# TYPE ").Append(name).Append(' ').Append(Kind).Append('\n');
                foreach ((string labels, double value) in _values.OrderBy(static kv => kv.Key, StringComparer.Ordinal))
                {
                    text.Append(name).Append(Braces(labels)).Append(' ').Append(Format(value)).Append('\n');
                }

                foreach ((string labels, (long[] counts, double sum, long count)) in _histograms.OrderBy(static kv => kv.Key, StringComparer.Ordinal))
                {
                    string sep = labels.Length > 0 ? labels + "," : "";
                    for (int i = 0; i < buckets.Length; i++)
                    {
                        text.Append(name).Append("_bucket{").Append(sep).Append("le=\"").Append(Format(buckets[i])).Append("\"} ").Append(counts[i]).Append('\n');
                    }

                    text.Append(name).Append("_bucket{").Append(sep).Append("le=\"+Inf\"} ").Append(count).Append('\n');
                    text.Append(name).Append("_sum").Append(Braces(labels)).Append(' ').Append(Format(sum)).Append('\n');
                    text.Append(name).Append("_count").Append(Braces(labels)).Append(' ').Append(count).Append('\n');
                }
            }
        }

        private static string Braces(string labels) => labels.Length == 0 ? "" : "{" + labels + "}";

        private static string Format(double v) =>
            double.IsPositiveInfinity(v) ? "+Inf" : double.IsNegativeInfinity(v) ? "-Inf" : double.IsNaN(v) ? "NaN" : v.ToString("R", CultureInfo.InvariantCulture);

        private static string Labels(ReadOnlySpan<KeyValuePair<string, object?>> tags)
        {
            if (tags.Length == 0)
            {
                return "";
            }

            var pairs = new List<KeyValuePair<string, object?>>(tags.ToArray());
            pairs.Sort(static (a, b) => string.CompareOrdinal(a.Key, b.Key));
            var sb = new StringBuilder();
            foreach (KeyValuePair<string, object?> t in pairs)
            {
                if (sb.Length > 0)
                {
                    sb.Append(',');
                }

                sb.Append(t.Key).Append("=\"");
                foreach (char c in Convert.ToString(t.Value, CultureInfo.InvariantCulture) ?? "")
                {
                    _ = c switch
                    {
                        '\\' => sb.Append("\\\\"),
                        '"' => sb.Append("\\\""),
                        '\n' => sb.Append("\\n"),
                        _ => sb.Append(c),
                    };
                }

                sb.Append('"');
            }

            return sb.ToString();
        }
    }
}
