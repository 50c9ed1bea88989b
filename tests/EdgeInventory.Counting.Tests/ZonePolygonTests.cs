using EdgeInventory.Counting;

namespace EdgeInventory.Counting.Tests;

public class ZonePolygonTests
{
    [Fact]
    public void Points_outside_the_unit_square_are_refused_naming_the_point()
    {
        string? problem = ZonePolygon.Check([new(0.1, 0.1), new(1.2, 0.1), new(0.5, 0.6)]);
        Assert.NotNull(problem);
        Assert.Contains("point 1", problem);
        Assert.Contains("outside [0, 1]", problem);
    }

    [Fact]
    public void Fewer_than_three_points_or_a_degenerate_polygon_are_refused()
    {
        Assert.Contains("at least 3 points", ZonePolygon.Check([new(0, 0), new(1, 1)]));
        Assert.Contains("area", ZonePolygon.Check([new(0, 0), new(0.5, 0.5), new(1, 1)]));
        Assert.Throws<ArgumentException>(() => ZonePolygon.Create([new(0, 0), new(0.5, 0.5), new(1, 1)]));
    }

    [Fact]
    public void Containment_follows_a_concave_outline()
    {
        // An L shape: the top-right quarter is outside.
        ZonePolygon l = ZonePolygon.Create([new(0, 0), new(0.5, 0), new(0.5, 0.5), new(1, 0.5), new(1, 1), new(0, 1)]);
        Assert.True(l.Contains(0.25, 0.25));
        Assert.True(l.Contains(0.75, 0.75));
        Assert.False(l.Contains(0.75, 0.25));
        Assert.Equal(1.0, l.Width);
    }

    [Fact]
    public void Bounds_distance_is_zero_for_touching_zones()
    {
        ZonePolygon a = ZonePolygon.Rectangle(0, 0, 0.5, 0.3), b = ZonePolygon.Rectangle(0, 0.3, 0.5, 0.6), c = ZonePolygon.Rectangle(0, 0.8, 0.5, 1);
        Assert.Equal(0, a.BoundsDistance(b));
        Assert.Equal(0.5, a.BoundsDistance(c), 6);
    }
}
