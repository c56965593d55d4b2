namespace Parla.Tests;

internal static class Statistics
{
    /// <summary>Pearson correlation of x[i] with y[i - lag] over the overlap (positive lag: x later than y).</summary>
    public static double Pearson(IReadOnlyList<double> x, IReadOnlyList<double> y, int lag = 0)
    {
        var xs = new List<double>();
        var ys = new List<double>();
        for (var i = 0; i < x.Count; i++)
        {
            var j = i - lag;
            if (j < 0 || j >= y.Count) continue;
            xs.Add(x[i]);
            ys.Add(y[j]);
        }
        var mx = xs.Average();
        var my = ys.Average();
        double sxy = 0, sxx = 0, syy = 0;
        for (var i = 0; i < xs.Count; i++)
        {
            sxy += (xs[i] - mx) * (ys[i] - my);
            sxx += (xs[i] - mx) * (xs[i] - mx);
            syy += (ys[i] - my) * (ys[i] - my);
        }
        return sxx == 0 || syy == 0 ? 0 : sxy / Math.Sqrt(sxx * syy);
    }
}
