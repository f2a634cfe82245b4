package stack

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/redis/go-redis/v9"
	goopenai "github.com/sashabaranov/go-openai"
	historypb "go.temporal.io/api/history/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"google.golang.org/protobuf/encoding/protojson"

	"github.com/eigendata/eigendata/activities"
	"github.com/eigendata/eigendata/envs/tau2data"
	"github.com/eigendata/eigendata/infra/blob"
	"github.com/eigendata/eigendata/infra/cache/redistest"
	"github.com/eigendata/eigendata/llm/fakeoai"
	"github.com/eigendata/eigendata/workers"
	"github.com/eigendata/eigendata/workers/gpu"
	"github.com/eigendata/eigendata/workflows"
)

// workerEnv makes the test binary act as a standalone worker process (see
// TestMain), so the durability test can kill a worker with SIGKILL.
const workerEnv = "EIGENDATA_TEST_WORKER"

func TestMain(m *testing.M) {
	if os.Getenv(workerEnv) == "1" {
		os.Exit(runWorkerProcess())
	}
	os.Exit(m.Run())
}

// runWorkerProcess runs the cpu and llm pools against the stack named by
// the environment until killed.
func runWorkerProcess() int {
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	store, err := blob.NewS3(ctx, blob.S3ConfigFromEnv())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	conn := workers.Conn{}
	cl, err := conn.Dial()
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	defer cl.Close()
	svc := workers.Services{Blob: store, Models: activities.ModelsFromEnv()}
	pools := []workers.Pool{workers.CPU, workers.LLM}
	if bin := os.Getenv("EIGENDATA_TEST_TRAINER"); bin != "" {
		svc.Train = &activities.Train{Blob: store, Pool: gpu.NewPool(gpu.CPUSlots(1)), Command: []string{bin}}
		pools = append(pools, workers.GPU)
	}
	stopW, err := workers.Start(cl, pools, svc.Deps())
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		return 1
	}
	<-ctx.Done()
	stopW()
	return 0
}

func startStack(t testing.TB, opt Options) *Stack {
	t.Helper()
	s, err := Start(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.Close() })
	return s
}

func runEval(t testing.TB, s *Stack, id string, in workflows.EvalInput) (workflows.EvalResult, error) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: id, TaskQueue: workflows.QueueCPU}, workflows.EvalWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.EvalResult
	err = run.Get(ctx, &res)
	return res, err
}

// rawS3 reads objects with aws-sdk-go-v2 directly, not through package blob.
func rawS3(t testing.TB, s *Stack, key string) []byte {
	t.Helper()
	c := s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(s.S3.Endpoint), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider(s.S3.AccessKey, s.S3.SecretKey, "")})
	out, err := c.GetObject(context.Background(), &s3.GetObjectInput{Bucket: aws.String(s.S3.Bucket), Key: aws.String(key)})
	if err != nil {
		t.Fatalf("reading s3://%s/%s: %v", s.S3.Bucket, key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// fakeUser scripts a user simulator: it states a request, then ends the
// conversation once the agent has answered twice.
func fakeUser(delay time.Duration) fakeoai.Script {
	return func(_ int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
		turns := 0
		for _, m := range req.Messages {
			if m.Role == goopenai.ChatMessageRoleUser { // the agent's words, as the simulator sees them
				turns++
			}
		}
		if turns >= 3 {
			return fakeoai.Reply{Delay: delay, Content: "Thanks, that's all. ###STOP###"}
		}
		return fakeoai.Reply{Delay: delay, Content: "Hi, I need help with my booking. My user id is on file."}
	}
}

type tau2Results struct {
	Simulations []struct {
		TaskID string `json:"task_id"`
		Trial  int    `json:"trial"`
		Reward struct {
			Reward float64 `json:"reward"`
		} `json:"reward_info"`
	} `json:"simulations"`
}

func TestEvalWorkflowAirlineOfflineAndCachedUser(t *testing.T) {
	data := tau2data.ForTest(t)
	redisURL := redistest.URL(t) // a real redis-server; fails when absent
	s := startStack(t, Options{RedisURL: redisURL, UIPort: -1, Pools: []workers.Pool{workers.CPU, workers.LLM}, Tau2Data: data})

	in := workflows.EvalInput{Domain: "airline", Tau2Data: data, Split: "test", Trials: 2, Concurrency: 16}
	res, err := runEval(t, s, "eval-airline-offline", in)
	if err != nil {
		t.Fatal(err)
	}
	if res.Episodes != 2*res.Tasks || res.Tasks == 0 {
		t.Fatalf("%d episodes for %d tasks", res.Episodes, res.Tasks)
	}
	if len(res.PassK) < 3 || res.PassK[1] != 1.0 || res.PassK[2] != 1.0 {
		t.Fatalf("offline oracle baseline pass^k = %v, want 1.0 on DB-basis airline tasks", res.PassK)
	}

	// The report and results come back over the S3 protocol.
	report := string(rawS3(t, s, res.ReportKey))
	for _, want := range []string{"pass^1", "pass^2", "offline-baseline", "airline"} {
		if !strings.Contains(report, want) {
			t.Errorf("report.md lacks %q:\n%s", want, report)
		}
	}
	var results tau2Results
	if err := json.Unmarshal(rawS3(t, s, res.ResultsKey), &results); err != nil {
		t.Fatal(err)
	}
	seen := map[string]bool{}
	for _, sim := range results.Simulations {
		k := fmt.Sprintf("%s#%d", sim.TaskID, sim.Trial)
		if seen[k] {
			t.Errorf("episode %s counted twice", k)
		}
		seen[k] = true
		if sim.Reward.Reward != 1 {
			t.Errorf("%s reward %v", k, sim.Reward.Reward)
		}
	}
	if len(seen) != res.Episodes {
		t.Errorf("results.json has %d episodes, want %d", len(seen), res.Episodes)
	}
	if png := rawS3(t, s, res.PlotKey); len(png) < 8 || string(png[1:4]) != "PNG" {
		t.Errorf("plot is not a PNG")
	}

	// A fake OpenAI-compatible user simulator at temperature 0: the second
	// identical run is answered from the real Redis.
	fake := fakeoai.New(fakeUser(0))
	defer fake.Close()
	rdb := redis.NewClient(mustParse(t, redisURL))
	defer rdb.Close()
	if err := rdb.FlushDB(context.Background()).Err(); err != nil {
		t.Fatal(err)
	}
	in2 := workflows.EvalInput{Domain: "airline", Tau2Data: data, Split: "test", Trials: 1, Concurrency: 8,
		TaskIDs: []string{"2", "6", "8"},
		User:    workflows.ModelConfig{Provider: "openai", Model: "fake-user", BaseURL: fake.URL(), Temperature: 0}}
	first, err := runEval(t, s, "eval-airline-fakeuser-1", in2)
	if err != nil {
		t.Fatal(err)
	}
	calls := len(fake.Requests())
	if calls == 0 {
		t.Fatal("the fake user simulator was never called")
	}
	keys, err := rdb.DBSize(context.Background()).Result()
	if err != nil || keys == 0 {
		t.Fatalf("nothing cached in redis (%d keys, %v)", keys, err)
	}
	hitsBefore := s.Cache.Stats().Hits
	second, err := runEval(t, s, "eval-airline-fakeuser-2", in2)
	if err != nil {
		t.Fatal(err)
	}
	if got := len(fake.Requests()); got != calls {
		t.Errorf("second identical run called the endpoint %d more times; want every call served by the cache", got-calls)
	}
	if hits := s.Cache.Stats().Hits - hitsBefore; hits < int64(calls) {
		t.Errorf("cache hits %d, want >= %d", hits, calls)
	}
	if fmt.Sprint(first.PassK) != fmt.Sprint(second.PassK) {
		t.Errorf("cached run differs: %v vs %v", first.PassK, second.PassK)
	}

	// The recorded history replays deterministically against today's code.
	replayHistory(t, s, "eval-airline-offline")
}

func mustParse(t testing.TB, url string) *redis.Options {
	o, err := redis.ParseURL(url)
	if err != nil {
		t.Fatal(err)
	}
	return o
}

// replayHistory replays a finished run's history against the current
// workflow code; with EIGENDATA_RECORD_HISTORY=dir it also saves the
// history as dir/<id>.json (the golden files of the workflows package's
// replay test).
func replayHistory(t *testing.T, s *Stack, id string) {
	t.Helper()
	iter := s.Client.GetWorkflowHistory(context.Background(), id, "", false, 0)
	r := worker.NewWorkflowReplayer()
	r.RegisterWorkflow(workflows.EvalWorkflow)
	r.RegisterWorkflow(workflows.SynthesisWorkflow)
	r.RegisterWorkflow(workflows.InstanceWorkflow)
	hist := &historypb.History{}
	for iter.HasNext() {
		e, err := iter.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, e)
	}
	if dir := os.Getenv("EIGENDATA_RECORD_HISTORY"); dir != "" {
		path := filepath.Join(dir, strings.ReplaceAll(id, "/", "__")+".json")
		b, err := protojson.Marshal(hist)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	if err := r.ReplayWorkflowHistoryWithOptions(nil, hist, worker.ReplayWorkflowHistoryOptions{OriginalExecution: workflow.Execution{ID: id}}); err != nil {
		t.Fatalf("replay of %s: %v", id, err)
	}
}

func TestEvalWorkflowBadInputFailsFast(t *testing.T) {
	s := startStack(t, Options{UIPort: -1, Pools: []workers.Pool{workers.CPU, workers.LLM}})
	cases := []struct {
		name  string
		in    workflows.EvalInput
		field string
	}{
		{"unknown domain", workflows.EvalInput{Domain: "banking", Trials: 1}, "domain"},
		{"trials below one", workflows.EvalInput{Domain: "gen-airline", Trials: 0}, "trials"},
		{"missing data directory", workflows.EvalInput{Domain: "airline", Tau2Data: "/nonexistent/tau2", Trials: 1}, "tau2_data"},
		{"unreachable endpoint", workflows.EvalInput{Domain: "gen-airline", Trials: 1,
			Agent: workflows.ModelConfig{Provider: "openai", Model: "m", BaseURL: "http://127.0.0.1:1/v1"}}, "agent.base_url"},
	}
	for i, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			start := time.Now()
			_, err := runEval(t, s, fmt.Sprintf("bad-input-%d", i), tc.in)
			if err == nil {
				t.Fatal("workflow succeeded")
			}
			var ae *temporal.ApplicationError
			if !errors.As(err, &ae) {
				t.Fatalf("want an ApplicationError, got %v", err)
			}
			if ae.Type() != workflows.ErrInvalidInput || !ae.NonRetryable() {
				t.Errorf("type %q non-retryable %v", ae.Type(), ae.NonRetryable())
			}
			if !strings.Contains(ae.Error(), tc.field+":") {
				t.Errorf("error does not name %q: %v", tc.field, ae)
			}
			t.Logf("%s failed in %s: %v", tc.name, time.Since(start).Round(time.Millisecond), ae)
		})
	}
}

// TestEvalWorkflowStartedByTypeNameWithJSON starts the workflow the way
// `temporal workflow start --type EvalWorkflow --input '{...}'` does: by
// type name, with a plain JSON payload.
func TestEvalWorkflowStartedByTypeNameWithJSON(t *testing.T) {
	s := startStack(t, Options{UIPort: -1, Pools: []workers.Pool{workers.CPU, workers.LLM}})
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	input := json.RawMessage(`{"domain": "gen-retail", "seed": 2, "trials": 1, "concurrency": 4}`)
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "eval-by-name", TaskQueue: workflows.QueueCPU}, "EvalWorkflow", input)
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.EvalResult
	if err := run.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Tasks == 0 || res.Episodes != res.Tasks || len(res.PassK) < 2 || res.PassK[1] != 1 {
		t.Fatalf("result %+v", res)
	}
}

func TestEvalWorkflowSurvivesWorkerKill(t *testing.T) {
	s := startStack(t, Options{UIPort: -1})
	var calls atomic.Int64
	fake := fakeoai.New(func(n int, req goopenai.ChatCompletionRequest) fakeoai.Reply {
		calls.Add(1)
		return fakeUser(150*time.Millisecond)(n, req)
	})
	defer fake.Close()
	env := append(os.Environ(), s.Env()...)
	env = append(env, workerEnv+"=1", "OPENAI_BASE_URL="+fake.URL())
	spawn := func() *exec.Cmd {
		cmd := exec.Command(os.Args[0], "-test.run=^$")
		cmd.Env = env
		cmd.Stderr = os.Stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		return cmd
	}
	w1 := spawn()
	in := workflows.EvalInput{Domain: "gen-airline", Seed: 3, Trials: 2, Concurrency: 4,
		User: workflows.ModelConfig{Provider: "openai", Model: "fake-user", Temperature: 0.7}}
	ctx := context.Background()
	run, err := s.Client.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: "eval-durable", TaskQueue: workflows.QueueCPU}, workflows.EvalWorkflow, in)
	if err != nil {
		t.Fatal(err)
	}
	// Kill the worker once some, not all, episodes are done.
	deadline := time.Now().Add(2 * time.Minute)
	var p workflows.EvalProgress
	for time.Now().Before(deadline) {
		if v, err := s.Client.QueryWorkflow(ctx, run.GetID(), "", "progress"); err == nil && v.Get(&p) == nil && p.Done >= 6 {
			break
		}
		time.Sleep(50 * time.Millisecond)
	}
	if p.Done < 6 || p.Done >= p.Total {
		t.Fatalf("progress before kill: %+v", p)
	}
	if err := w1.Process.Kill(); err != nil {
		t.Fatal(err)
	}
	_ = w1.Wait()
	t.Logf("killed the worker at %d/%d episodes (%d running)", p.Done, p.Total, p.Running)
	w2 := spawn()
	defer func() { _ = w2.Process.Signal(syscall.SIGTERM); _ = w2.Wait() }()

	var res workflows.EvalResult
	gctx, cancel := context.WithTimeout(ctx, 3*time.Minute)
	defer cancel()
	if err := run.Get(gctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Episodes != p.Total || res.Tasks*2 != p.Total {
		t.Fatalf("%d episodes, %d tasks; want %d episodes", res.Episodes, res.Tasks, p.Total)
	}
	var results tau2Results
	if err := json.Unmarshal(rawS3(t, s, res.ResultsKey), &results); err != nil {
		t.Fatal(err)
	}
	seen := map[string]int{}
	for _, sim := range results.Simulations {
		seen[fmt.Sprintf("%s#%d", sim.TaskID, sim.Trial)]++
	}
	if len(seen) != p.Total || len(results.Simulations) != p.Total {
		t.Fatalf("results hold %d simulations of %d distinct episodes, want %d each", len(results.Simulations), len(seen), p.Total)
	}
	for k, n := range seen {
		if n != 1 {
			t.Errorf("episode %s counted %d times", k, n)
		}
	}
}
