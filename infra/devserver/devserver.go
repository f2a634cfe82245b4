// Package devserver runs an embedded, single-process Temporal dev server
// (all four services over SQLite, in memory or in a file so history survives
// a restart) together with the Temporal Web UI, for `eigendata dev` and for
// integration tests. It is the library equivalent of `temporal server
// start-dev`, whose implementation the Temporal CLI keeps internal.
package devserver

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	tlog "go.temporal.io/server/common/log"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// Options configure the dev server.
type Options struct {
	// DBFile is the SQLite file; empty keeps everything in memory.
	DBFile string
	// IP to bind (default 127.0.0.1).
	IP string
	// GRPCPort of the frontend (0 picks a free port).
	GRPCPort int
	// UIPort of the Web UI (0 picks a free port, -1 disables the UI).
	UIPort int
	// CodecEndpoint, when set, is the codec server the Web UI sends
	// payloads to for decoding (claim-checked payloads show their values).
	CodecEndpoint string
	// Namespace to create (default "default").
	Namespace string
	// SearchAttributes are custom search attributes registered on the namespace.
	SearchAttributes map[string]enumspb.IndexedValueType
	// Logger receives the server's warnings and errors (nil discards them).
	Logger *slog.Logger
}

// visibilityStore names the visibility data store in the server config.
const visibilityStore = "sqlite-visibility"

// Server is a running dev server.
type Server struct {
	srv      temporal.Server
	ui       *uiserver.Server
	hostPort string
	uiURL    string
	ns       string
	// visibilityDB names the in-memory visibility database ("" in a file).
	visibilityDB string
	// releases free the port reservations once the server is stopped.
	releases []func()
}

// Start starts the server (and UI) and returns once the frontend answers.
func Start(ctx context.Context, opt Options) (_ *Server, err error) {
	var releases []func()
	defer func() {
		if err != nil {
			for _, r := range releases {
				r()
			}
		}
	}()
	if opt.IP == "" {
		opt.IP = "127.0.0.1"
	}
	if opt.Namespace == "" {
		opt.Namespace = "default"
	}
	port := func(p int) (int, error) {
		if p > 0 {
			return p, nil
		}
		p, release, err := ReservePort(opt.IP)
		if err != nil {
			return 0, err
		}
		releases = append(releases, release)
		return p, nil
	}
	front, err := port(opt.GRPCPort)
	if err != nil {
		return nil, fmt.Errorf("devserver: frontend port: %w", err)
	}
	ports := make([]int, 0, 8)
	for i := 0; i < 8; i++ { // history/matching/worker gRPC + 4 membership + metrics-free pprof slot
		p, err := port(0)
		if err != nil {
			return nil, fmt.Errorf("devserver: %w", err)
		}
		ports = append(ports, p)
	}

	sqlCfg := &config.SQL{PluginName: sqliteplugin.PluginName, ConnectAttributes: map[string]string{}}
	visCfg := sqlCfg // a file keeps both, so what a restart finds is consistent
	if opt.DBFile == "" {
		sqlCfg.ConnectAttributes["mode"] = "memory"
		sqlCfg.ConnectAttributes["cache"] = "shared"
		sqlCfg.DatabaseName = "eigendata-" + strconv.FormatInt(time.Now().UnixNano(), 36)
		visCfg = memoryVisibility(sqlCfg.DatabaseName)
	} else {
		sqlCfg.ConnectAttributes["mode"] = "rwc"
		sqlCfg.DatabaseName = opt.DBFile
	}
	service := func(grpc, membership int, frontend bool) config.Service {
		s := config.Service{RPC: config.RPC{GRPCPort: grpc, MembershipPort: membership, BindOnLocalHost: true}}
		if frontend {
			s.RPC.BindOnLocalHost, s.RPC.BindOnIP = false, opt.IP
		}
		return s
	}
	cfg := &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: "127.0.0.1"},
			PProf:      config.PProf{Port: ports[7]},
		},
		Persistence: config.Persistence{
			DefaultStore: sqliteplugin.PluginName, VisibilityStore: sqliteplugin.PluginName, NumHistoryShards: 1,
			DataStores: map[string]config.DataStore{sqliteplugin.PluginName: {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			FailoverVersionIncrement: 10, MasterClusterName: "active", CurrentClusterName: "active",
			ClusterInformation: map[string]cluster.ClusterInformation{"active": {
				Enabled: true, InitialFailoverVersion: 1, RPCAddress: fmt.Sprintf("127.0.0.1:%d", front)}},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			"frontend": service(front, ports[0], true),
			"history":  service(ports[1], ports[2], false),
			"matching": service(ports[3], ports[4], false),
			"worker":   service(ports[5], ports[6], false),
		},
		Archival:     config.Archival{History: config.HistoryArchival{State: "disabled"}, Visibility: config.VisibilityArchival{State: "disabled"}},
		PublicClient: config.PublicClient{HostPort: fmt.Sprintf("127.0.0.1:%d", front)},
		NamespaceDefaults: config.NamespaceDefaults{Archival: config.ArchivalNamespaceDefaults{
			History: config.HistoryArchivalNamespaceDefaults{State: "disabled"}, Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"}}},
	}
	if visCfg != sqlCfg {
		cfg.Persistence.VisibilityStore = visibilityStore
		cfg.Persistence.DataStores[visibilityStore] = config.DataStore{SQL: visCfg}
	}
	if opt.DBFile != "" {
		if _, err := os.Stat(opt.DBFile); errors.Is(err, os.ErrNotExist) {
			if err := os.MkdirAll(filepath.Dir(opt.DBFile), 0o755); err != nil {
				return nil, fmt.Errorf("devserver: %w", err)
			}
			if err := sqlite.SetupSchema(sqlCfg); err != nil {
				return nil, fmt.Errorf("devserver: schema: %w", err)
			}
		}
	}
	nsCfg, err := sqlite.NewNamespaceConfig("active", opt.Namespace, false, opt.SearchAttributes)
	if err != nil {
		return nil, fmt.Errorf("devserver: namespace: %w", err)
	}
	if err := sqlite.CreateNamespaces(sqlCfg, nsCfg); err != nil {
		return nil, fmt.Errorf("devserver: namespace: %w", err)
	}
	var logger tlog.Logger = tlog.NewNoopLogger()
	if opt.Logger != nil {
		logger = tlog.NewZapLogger(tlog.BuildZapLogger(tlog.Config{Level: "error"}))
	}
	srv, err := temporal.NewServer(
		temporal.WithConfig(cfg),
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithLogger(logger),
		temporal.WithDynamicConfigClient(dynamicconfig.StaticClient{
			// Unlike the CLI's dev server, no ForceSearchAttributesCacheRefreshOnRead:
			// the namespace's search attributes exist before the server
			// starts, so the services' caches (refreshed every 60 s) hold
			// them from the first read, and a forced refresh queried the
			// cluster metadata table on every workflow task (1.5% of a
			// synthesis run's CPU, on the database every write waits for).
			// An attribute added while the server runs is usable within 60 s.

			// One partition per task queue, as the CLI's dev server uses: with
			// a single matching host, more partitions only add forwarding hops.
			dynamicconfig.MatchingNumTaskqueueReadPartitions.Key():  []dynamicconfig.ConstrainedValue{{Value: 1}},
			dynamicconfig.MatchingNumTaskqueueWritePartitions.Key(): []dynamicconfig.ConstrainedValue{{Value: 1}},
			// Payloads here are never stored externally; with the feature on,
			// the history service walks every event's payloads on each write
			// to total their external sizes (2% of a synthesis run's CPU).
			dynamicconfig.ExternalPayloadsEnabled.Key(): []dynamicconfig.ConstrainedValue{{Value: false}},
			// The one history shard reads its transfer queue (workflow and
			// activity tasks to dispatch, child starts and completions) at
			// most 20 times a second by default, sized for clusters of many
			// shards: each hop then waited up to 50 ms for the next read.
			dynamicconfig.TransferProcessorMaxPollRPS.Key(): []dynamicconfig.ConstrainedValue{{Value: 1000}},
			// A parent starting many children at once has its lock wanted by
			// every child start. A task that waits 500 ms for a workflow's
			// lock in vain is resubmitted at once ten times, then only after
			// 2.6 s, 2.9 s… (1 s x 1.1^attempt), so on a slow machine a few
			// of a synthesis run's first children started 7.5 s after their
			// command and the run waited for them (BenchmarkSynthesis200 at
			// 2.1, about one run in five of the machine's slow periods). With
			// the execution queue scheduler such a task goes to a queue of
			// its workflow's tasks and is retried there without backoff. The
			// queue runs 16 at once, not the default 2: the parent's own
			// tasks (its workflow tasks, the finalize activity) join the
			// queue while it lasts, and 2 held them behind the child starts
			// (runs measured slower than without the queue).
			dynamicconfig.TaskSchedulerEnableExecutionQueueScheduler.Key():           []dynamicconfig.ConstrainedValue{{Value: true}},
			dynamicconfig.TaskSchedulerExecutionQueueSchedulerQueueConcurrency.Key(): []dynamicconfig.ConstrainedValue{{Value: 16}},
		}),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("devserver: starting: %w", err)
	}
	s := &Server{srv: srv, hostPort: fmt.Sprintf("%s:%d", opt.IP, front), ns: opt.Namespace}
	if visCfg != sqlCfg {
		s.visibilityDB = visCfg.DatabaseName
		if err := pruneVisibilityIndexes(ctx, s.visibilityDB); err != nil {
			_ = srv.Stop()
			return nil, err
		}
	}
	if opt.UIPort >= 0 {
		uiPort, err := port(opt.UIPort)
		if err != nil {
			_ = srv.Stop()
			return nil, fmt.Errorf("devserver: UI port: %w", err)
		}
		uiCfg := &uiconfig.Config{
			Host: opt.IP, Port: uiPort, TemporalGRPCAddress: s.hostPort, EnableUI: true,
			DefaultNamespace: opt.Namespace, HideLogs: true, DisableNewsFetch: true,
			CORS:  uiconfig.CORS{CookieInsecure: true},
			Codec: uiconfig.Codec{Endpoint: opt.CodecEndpoint},
		}
		s.ui = uiserver.NewServer(uioptions.WithConfigProvider(uiCfg))
		go func() { _ = s.ui.Start() }()
		s.uiURL = fmt.Sprintf("http://%s:%d", opt.IP, uiPort)
		if err := waitHTTP(ctx, s.uiURL, 15*time.Second); err != nil {
			_ = s.Stop()
			return nil, err
		}
	}
	s.releases = releases
	return s, nil
}

func waitHTTP(ctx context.Context, url string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for time.Now().Before(deadline) {
		resp, err := http.Get(url)
		if err == nil {
			resp.Body.Close()
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(50 * time.Millisecond):
		}
	}
	return fmt.Errorf("devserver: UI at %s did not come up", url)
}

// HostPort is the frontend's gRPC address.
func (s *Server) HostPort() string { return s.hostPort }

// UIURL is the Web UI's base URL ("" without UI).
func (s *Server) UIURL() string { return s.uiURL }

// Namespace is the namespace created at start.
func (s *Server) Namespace() string { return s.ns }

// Stop shuts the UI and the server down.
func (s *Server) Stop() error {
	if s.ui != nil {
		s.ui.Stop()
	}
	err := s.srv.Stop()
	for _, r := range s.releases {
		r()
	}
	return err
}
