using System.Text.Json.Nodes;
using EdgeInventory.Agent.Configuration;
using EdgeInventory.Messaging.Hosting;
using EdgeInventory.Tests.Shared;
using Microsoft.Extensions.Configuration;

namespace EdgeInventory.Agent.Tests.Agent;

/// <summary>Bad configuration stops start-up with a message naming the key; nothing here needs a camera or a model run.</summary>
public sealed class AgentConfigurationTests : IDisposable
{
    private readonly TempFolder _dir = RepoPaths.NewTempFolder();

    public void Dispose() => _dir.Dispose();

    private JsonObject Valid() =>
        AgentRun.ConfigToLoad(_dir, AgentRun.Zone("z1", 0, 0, 0.5, 0.5, 8, 3), AgentRun.Zone("z2", 0.5, 0, 1, 0.5, 8, 3));

    private AgentSettings Load(JsonObject config, IDictionary<string, string?>? environment = null)
    {
        string path = _dir.File("agent.json");
        File.WriteAllText(path, config.ToJsonString());
        IConfigurationBuilder builder = new ConfigurationBuilder().AddJsonFile(path);
        if (environment is not null)
        {
            builder.AddInMemoryCollection(environment); // stands in for EDGEINV_ variables, bound the same way
        }

        return AgentConfiguration.Load(builder.Build(), _dir.Path);
    }

    private string Problem(Action<JsonObject> change)
    {
        JsonObject config = Valid();
        change(config);
        return Assert.Throws<AgentConfigurationException>(() => Load(config)).Message;
    }

    private static JsonObject Agent(JsonObject c) => c["Agent"]!.AsObject();

    private static JsonObject Camera(JsonObject c, int i = 0) => Agent(c)["Cameras"]![i]!.AsObject();

    [Fact]
    public void A_valid_configuration_is_resolved()
    {
        AgentSettings s = Load(Valid());
        Assert.Equal("s042", s.StoreId);
        CameraSettings cam = Assert.Single(s.Cameras);
        Assert.Equal(2, cam.Zones.Count);
        Assert.Equal(TimeSpan.FromSeconds(0.5), cam.Capture.SampleInterval);
        Assert.Equal(TimeSpan.FromSeconds(5), cam.Capture.StallTimeout);
        Assert.Equal(AgentRun.Sha256(AgentRun.ScannerKey), Assert.Single(s.ApiKeys).Key);
    }

    [Fact]
    public void The_default_smoothing_ignores_a_shopper_hiding_a_zone_for_three_frames_and_confirms_a_drop_four_intervals_after_it()
    {
        JsonObject config = Valid();
        Agent(config).Remove("Smoothing");
        var smoother = new EdgeInventory.Counting.ZoneSmoother([TestZones.Zone("alone", 0, 0, 0.3, 0.3)], Load(config).Smoothing);
        var at = new DateTimeOffset(2026, 12, 7, 9, 0, 0, TimeSpan.Zero);
        bool[] changed = new bool[1];
        var confirmedAt = new List<int>();
        // One frame every 5 s (the cameras' default interval): 8 full, a shopper in front for 3, full for 5, then a drop
        // to 3 facings from frame 16 on. The zone has no neighbour, so only the inertia can tell the shopper from a drop.
        for (int frame = 0; frame < 24; frame++)
        {
            int facings = frame is >= 8 and < 11 ? 0 : frame >= 16 ? 3 : 10;
            if (smoother.Update([new EdgeInventory.Counting.ZoneObservation(facings, 0, facings == 0 ? 1 : 0)], at.AddSeconds(5 * frame), changed) > 0)
            {
                confirmedAt.Add(frame);
            }
        }

        // Frame 3: the first state (4 observations, 15 s); frame 20: the drop, on its fifth frame (4 intervals after it).
        Assert.Equal([3, 20], confirmedAt);
        Assert.Equal(3, smoother.Confirmed(0)!.Value.Facings);
    }

    [Fact]
    public void Environment_values_override_the_file()
    {
        AgentSettings s = Load(Valid(), new Dictionary<string, string?> { ["Agent:Cameras:0:IntervalSeconds"] = "2", ["Agent:DeviceId"] = "edge-99" });
        Assert.Equal(TimeSpan.FromSeconds(2), s.Cameras[0].Capture.SampleInterval);
        Assert.Equal("edge-99", s.DeviceId);
    }

    [Fact]
    public void The_environment_prefix_maps_double_underscores_to_levels()
    {
        string path = _dir.File("agent.json");
        File.WriteAllText(path, Valid().ToJsonString());
        Environment.SetEnvironmentVariable("EDGEINV_Agent__Cameras__0__IntervalSeconds", "3");
        try
        {
            IConfigurationRoot config = new ConfigurationBuilder().AddAgentSources(path).Build();
            Assert.Equal(TimeSpan.FromSeconds(3), AgentConfiguration.Load(config, _dir.Path).Cameras[0].Capture.SampleInterval);
        }
        finally
        {
            Environment.SetEnvironmentVariable("EDGEINV_Agent__Cameras__0__IntervalSeconds", null);
        }
    }

    [Fact]
    public void An_unknown_key_is_named_with_its_path()
    {
        Assert.Contains("Agent:Cameras:0:Zones:1:Colour: unknown key", Problem(c => Camera(c)["Zones"]![1]!.AsObject()["Colour"] = "red"));
        Assert.Contains("Agent:Htp: unknown key", Problem(c => Agent(c)["Htp"] = new JsonObject()));
        Assert.Contains("Agnet: unknown top-level section", Problem(c => c["Agnet"] = new JsonObject()));
    }

    [Fact]
    public void Another_onnx_runtime_library_is_resolved_against_the_file_or_named_when_missing()
    {
        Assert.Null(Load(Valid()).OrtLibraryPath);
        File.WriteAllText(_dir.File("libonnxruntime.so.1"), "");
        JsonObject config = Valid();
        Agent(config)["Model"]!["OrtLibrary"] = "libonnxruntime.so.1"; // relative to the configuration's folder
        Assert.Equal(_dir.File("libonnxruntime.so.1"), Load(config).OrtLibraryPath);
        Assert.Contains("Agent:Model:OrtLibrary: no such file: /nonexistent/libonnxruntime.so.1", Problem(c => Agent(c)["Model"]!["OrtLibrary"] = "/nonexistent/libonnxruntime.so.1"));
    }

    [Fact]
    public void A_zone_outside_the_image_is_named()
    {
        string message = Problem(c => Camera(c)["Zones"]![0]!["Polygon"]![2] = new JsonArray(1.2, 0.5));
        Assert.Contains("Agent:Cameras:0:Zones:0:Polygon:2: [1.2, 0.5] is outside [0, 1]", message);
    }

    [Fact]
    public void Duplicate_ids_are_named()
    {
        Assert.Contains("Agent:Cameras:0:Zones:1:Id: duplicate zone id 'z1'", Problem(c => Camera(c)["Zones"]![1]!["Id"] = "z1"));
        Assert.Contains("Agent:Cameras:1:Id: duplicate camera id 'cam-shelf'", Problem(c => Agent(c)["Cameras"]!.AsArray().Add(JsonNode.Parse(Camera(c).ToJsonString()))));
    }

    [Theory]
    [InlineData("ftp://cam/1", "Agent:Cameras:0:Url: unsupported scheme 'ftp'")]
    [InlineData("rtsp//cam", "Agent:Cameras:0:Url: 'rtsp//cam' is not an absolute URL")]
    [InlineData("file:///nonexistent/video.mp4", "Agent:Cameras:0:Url: no such video file or folder: /nonexistent/video.mp4")]
    [InlineData("v4l2:///dev/video42", "Agent:Cameras:0:Url: no such video device: /dev/video42")]
    public void Bad_camera_URLs_are_named(string url, string expected)
    {
        Assert.Contains(expected, Problem(c => Camera(c)["Url"] = url));
    }

    [Fact]
    public void Every_problem_is_listed_at_once()
    {
        string message = Problem(c =>
        {
            Agent(c)["StoreId"] = "cmd";
            Agent(c)["Model"]!["Path"] = "missing.onnx";
            Camera(c)["IntervalSeconds"] = 0;
            Agent(c)["Http"]!["ApiKeys"]![0]!["KeySha256"] = "abc";
        });
        Assert.Contains("Agent:StoreId: store id 'cmd' is reserved", message);
        Assert.Contains("Agent:Model:Path: no such file", message);
        Assert.Contains("Agent:Cameras:0:IntervalSeconds: 0 is outside [0.1, 3600]", message);
        Assert.Contains("Agent:Http:ApiKeys:0:KeySha256: not 64 hex digits", message);
    }

    [Fact]
    public void Without_a_Messaging_section_events_stay_local()
    {
        AgentSettings s = Load(Valid());
        Assert.False(s.MessagingEnabled);
        Assert.False(s.SendEvidence); // the crops stay files
    }

    [Fact]
    public void Evidence_photos_are_sent_with_a_Messaging_section_unless_turned_off()
    {
        JsonObject config = Valid();
        config["Messaging"] = new JsonObject { ["Broker"] = new JsonObject { ["Host"] = "broker.local", ["Password"] = "pw" } };
        Assert.True(Load(config).SendEvidence);

        config["Agent"]!["Evidence"] = new JsonObject { ["SendToCloud"] = false };
        AgentSettings off = Load(config);
        Assert.True(off.MessagingEnabled);
        Assert.False(off.SendEvidence);

        Assert.Contains("Agent:Evidence:SendToCloud", Problem(c => Agent(c)["Evidence"] = new JsonObject { ["SendToCloud"] = "sometimes" }), StringComparison.Ordinal);
    }

    [Fact]
    public void The_Messaging_section_is_filled_from_the_agent_s_settings()
    {
        JsonObject config = Valid();
        config["Messaging"] = new JsonObject
        {
            ["Broker"] = new JsonObject { ["Host"] = "broker.local", ["PasswordFile"] = "mqtt-password" },
        };
        File.WriteAllText(_dir.File("mqtt-password"), "pw\n");
        AgentSettings s = Load(config);
        Assert.True(s.MessagingEnabled);

        var o = new EdgeMessagingOptions();
        s.ConfigureMessaging(o);
        Assert.Equal(("s042", "edge-test", Path.Combine(_dir.File("state"), "agent.db")), (o.StoreId, o.DeviceId, o.Outbox.DatabasePath));
        Assert.Equal("s042", o.Broker.Username); // the deployment ACL's user is the store id
        Assert.True(Directory.Exists(_dir.File("state")), "the state folder (the outbox's database folder) is made at start");
    }

    [Fact]
    public void Messaging_problems_are_named_with_their_keys()
    {
        Assert.Contains("Messaging:Broker:Port 70000 is outside 1..65535", Problem(c => c["Messaging"] = new JsonObject { ["Broker"] = new JsonObject { ["Port"] = 70000 } }));
        Assert.Contains("Messaging:Broker:Tls:CaFile", Problem(c => c["Messaging"] = new JsonObject { ["Broker"] = new JsonObject { ["Tls"] = new JsonObject { ["CaFile"] = "missing-ca.pem" } } }));
        Assert.Contains("Messaging:Broker:Hots: unknown key", Problem(c => c["Messaging"] = new JsonObject { ["Broker"] = new JsonObject { ["Hots"] = "x" } }));
        Assert.Contains("Messaging:Broker:Tls:CaFle: unknown key", Problem(c => c["Messaging"] = new JsonObject { ["Broker"] = new JsonObject { ["Tls"] = new JsonObject { ["CaFle"] = "ca.pem" } } }));
        Assert.Contains("Messaging:Relay:PollInterval", Problem(c => c["Messaging"] = new JsonObject { ["Relay"] = new JsonObject { ["PollInterval"] = "soon" } }));
        Assert.Contains("Messaging:Heartbeat:Interval", Problem(c => c["Messaging"] = new JsonObject { ["Heartbeat"] = new JsonObject { ["Interval"] = "02:00:00" } }));
        Assert.Contains("Messaging:Broker:PasswordFile", Problem(c => c["Messaging"] = new JsonObject { ["Broker"] = new JsonObject { ["PasswordFile"] = "no-such-password" } }));
    }

    [Fact]
    public void Ids_and_the_database_have_one_source_the_Agent_section()
    {
        string message = Problem(c => c["Messaging"] = new JsonObject
        {
            ["StoreId"] = "s043",
            ["DeviceId"] = "edge-02",
            ["Outbox"] = new JsonObject { ["DatabasePath"] = "elsewhere.db" },
        });
        Assert.Contains("Messaging:StoreId: set by the agent from Agent:StoreId", message);
        Assert.Contains("Messaging:DeviceId: set by the agent from Agent:DeviceId", message);
        Assert.Contains("Messaging:Outbox:DatabasePath: set by the agent", message);
    }

    [Fact]
    public void Unknown_top_level_sections_are_refused()
    {
        Assert.Contains("Mqtt: unknown top-level section", Problem(c => c["Mqtt"] = new JsonObject { ["Host"] = "x" }));
    }

    [Fact]
    public void A_bad_expected_stock_file_is_named_with_its_line()
    {
        File.WriteAllText(_dir.File("stock.csv"), "location_id,sku,expected_units\ns042/A1/B1/z1,sku-z1,many\n");
        Assert.Contains("Agent:ExpectedStockFile: ", Problem(c => Agent(c)["ExpectedStockFile"] = "stock.csv"));
        Assert.Contains("stock.csv:2: expected_units 'many'", Problem(c => Agent(c)["ExpectedStockFile"] = "stock.csv"));
    }

    [Fact]
    public void Validating_creates_no_folder_and_reads_no_planogram_the_start_up_step_does_both()
    {
        JsonObject config = Valid();
        string state = _dir.File("not-yet/state");
        Agent(config)["StateDirectory"] = state;
        File.WriteAllText(_dir.File("stock.csv"), "location_id,sku,expected_units\ns042/A1/B1/z1,sku-z1,7\n");
        Agent(config)["ExpectedStockFile"] = "stock.csv";
        string path = _dir.File("agent.json");
        File.WriteAllText(path, config.ToJsonString());
        var options = new AgentOptions();
        new ConfigurationBuilder().AddJsonFile(path).Build().GetSection(AgentOptions.Section).Bind(options);

        var validator = new AgentOptionsValidator(_dir.Path, messagingEnabled: false);
        Assert.True(validator.Validate(null, options).Succeeded);
        Assert.False(Directory.Exists(state));

        AgentSettings s = Load(config);
        Assert.True(Directory.Exists(state));
        Assert.Equal(7, Assert.Single(s.ExpectedStock).ExpectedUnits);
        Assert.NotNull(s.ExpectedStockSha256);
    }

    [Fact]
    public void A_state_folder_below_a_file_is_refused_by_validation_naming_the_key()
    {
        File.WriteAllText(_dir.File("plain-file"), "x");
        JsonObject config = Valid();
        Assert.Contains("Agent:StateDirectory: " + _dir.File("plain-file/state") + " cannot be created: " + _dir.File("plain-file") + " is a file",
            Problem(c => Agent(c)["StateDirectory"] = _dir.File("plain-file/state")));
    }

    [Fact]
    public void The_README_example_configuration_is_valid()
    {
        // The example names a model and videos relative to the repository; only its shape and values are checked here.
        string example = Path.Combine(RepoPaths.Root, "agent", "Agent", "agent.example.json");
        JsonObject config = JsonNode.Parse(File.ReadAllText(example))!.AsObject();
        string video = _dir.File("shelf.avi");
        File.WriteAllBytes(video, [0]);
        Agent(config)["Model"]!["Path"] = AgentRun.FixtureModel;
        Agent(config)["StateDirectory"] = _dir.File("state");
        Agent(config)["ExpectedStockFile"] = Path.Combine(RepoPaths.Root, "agent", "Agent", "expected-stock.example.csv");
        File.WriteAllText(_dir.File("mqtt-password"), "pw\n");
        File.WriteAllText(_dir.File("broker-ca.crt"), "");
        config["Messaging"]!["Broker"]!["PasswordFile"] = _dir.File("mqtt-password");
        config["Messaging"]!["Broker"]!["Tls"]!["CaFile"] = _dir.File("broker-ca.crt");
        foreach (JsonNode? cam in Agent(config)["Cameras"]!.AsArray())
        {
            cam!["Url"] = new Uri(video).AbsoluteUri;
            cam.AsObject().Remove("HttpMode");
        }

        AgentSettings s = Load(config);
        Assert.Equal(2, s.Cameras.Count);
        Assert.NotEmpty(s.ExpectedStock);
        Assert.True(s.MessagingEnabled);
    }
}
