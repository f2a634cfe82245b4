package blob_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"path/filepath"
	"slices"
	"sync"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"

	"github.com/eigendata/eigendata/infra/blob"
	"github.com/eigendata/eigendata/infra/blob/s3server"
)

const bucket = "eigendata-test"

func startServer(t *testing.T, opt s3server.Options) *s3server.Server {
	t.Helper()
	srv, err := s3server.Start(context.Background(), opt)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		if err := srv.Close(); err != nil {
			t.Errorf("closing server: %v", err)
		}
	})
	return srv
}

func config(srv *s3server.Server) blob.S3Config {
	return blob.S3Config{Endpoint: srv.Endpoint(), Region: "us-east-1", Bucket: bucket, PathStyle: true,
		AccessKey: "test", SecretKey: "test"}
}

func newStore(t *testing.T, srv *s3server.Server) *blob.S3 {
	t.Helper()
	s, err := blob.NewS3(context.Background(), config(srv))
	if err != nil {
		t.Fatal(err)
	}
	return s
}

// rawClient talks to srv directly, to check what the store does not expose.
func rawClient(srv *s3server.Server) *s3.Client {
	return s3.New(s3.Options{Region: "us-east-1", BaseEndpoint: aws.String(srv.Endpoint()), UsePathStyle: true,
		Credentials: credentials.NewStaticCredentialsProvider("test", "test", "")})
}

func TestS3PutGetRoundTrip(t *testing.T) {
	srv := startServer(t, s3server.Options{})
	s := newStore(t, srv)
	raw := rawClient(srv)
	ctx := context.Background()
	tests := []struct {
		key, contentType string
		data             []byte
	}{
		{"runs/w1/manifest.json", "application/json", []byte(`{"a":1}`)},
		{"runs/w1/report.md", "text/markdown; charset=utf-8", []byte("# report\n")},
		{"runs/w1/passk.png", "image/png", []byte{0x89, 'P', 'N', 'G', 0, 1, 2, 0xff}},
		{"runs/w1/empty.json", "application/json", []byte{}},
		{"runs/w1/large.bin", "application/octet-stream", bytes.Repeat([]byte("0123456789abcdef"), 1<<16)},
	}
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if err := s.Put(ctx, tt.key, tt.data, tt.contentType); err != nil {
				t.Fatal(err)
			}
			got, err := s.Get(ctx, tt.key)
			if err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(got, tt.data) {
				t.Errorf("Get returned %d bytes, want the %d put", len(got), len(tt.data))
			}
			head, err := raw.HeadObject(ctx, &s3.HeadObjectInput{Bucket: aws.String(bucket), Key: aws.String(tt.key)})
			if err != nil {
				t.Fatal(err)
			}
			if ct := aws.ToString(head.ContentType); ct != tt.contentType {
				t.Errorf("Content-Type = %q, want %q", ct, tt.contentType)
			}
		})
	}
	// Objects are replaced, not appended to.
	if err := s.Put(ctx, "runs/w1/manifest.json", []byte(`{"a":2}`), "application/json"); err != nil {
		t.Fatal(err)
	}
	if got, err := s.Get(ctx, "runs/w1/manifest.json"); err != nil || string(got) != `{"a":2}` {
		t.Errorf("after overwrite Get = %q, %v", got, err)
	}
}

func TestS3GetMissingIsNotFound(t *testing.T) {
	s := newStore(t, startServer(t, s3server.Options{}))
	ctx := context.Background()
	if err := s.Put(ctx, "runs/w1/a.json", []byte("{}"), "application/json"); err != nil {
		t.Fatal(err)
	}
	for _, key := range []string{"runs/w1/b.json", "runs/w1/a.json/x", "runs/w2/a.json"} {
		_, err := s.Get(ctx, key)
		if !errors.Is(err, blob.ErrNotFound) {
			t.Errorf("Get(%q) err = %v, want ErrNotFound", key, err)
		}
	}
}

func TestS3Delete(t *testing.T) {
	s := newStore(t, startServer(t, s3server.Options{}))
	ctx := context.Background()
	putAll(t, s, []string{"runs/w1/a.json", "runs/w1/b.json"})
	for _, key := range []string{"runs/w1/a.json", "runs/w1/a.json", "runs/w1/missing.json"} {
		if err := s.Delete(ctx, key); err != nil {
			t.Errorf("Delete(%q): %v", key, err)
		}
	}
	if _, err := s.Get(ctx, "runs/w1/a.json"); !errors.Is(err, blob.ErrNotFound) {
		t.Errorf("Get after Delete: err = %v, want ErrNotFound", err)
	}
	if b, err := s.Get(ctx, "runs/w1/b.json"); err != nil || len(b) == 0 {
		t.Errorf("the other key: %q, %v", b, err)
	}
	if err := s.Delete(ctx, "../x"); err == nil {
		t.Error("Delete of an invalid key succeeded")
	}
}

func TestS3List(t *testing.T) {
	s := newStore(t, startServer(t, s3server.Options{}))
	ctx := context.Background()
	// More keys under one prefix than S3 returns per page (1000).
	var many []string
	for i := range 1203 {
		many = append(many, fmt.Sprintf("runs/a/episodes/t%04d.json", i))
	}
	others := []string{"runs/ab/x.json", "runs/b/x.json", "runs/b/y.json", "other/z.json"}
	putAll(t, s, append(slices.Clone(many), others...))

	tests := []struct {
		name, prefix string
		want         []string
	}{
		{"over a page", "runs/a/", many},
		{"within a page", "runs/a/episodes/t000", many[:10]},
		{"sibling", "runs/b/", []string{"runs/b/x.json", "runs/b/y.json"}},
		{"sharing a stem", "runs/ab/", []string{"runs/ab/x.json"}},
		{"without slash matches the stem", "runs/a", append(slices.Clone(many), "runs/ab/x.json")},
		{"no match", "nothing/", nil},
		{"everything", "", append(append([]string{"other/z.json"}, many...), "runs/ab/x.json", "runs/b/x.json", "runs/b/y.json")},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := s.List(ctx, tt.prefix)
			if err != nil {
				t.Fatal(err)
			}
			slices.Sort(got)
			if !slices.Equal(got, tt.want) {
				t.Errorf("List(%q) = %d keys, want %d (first diff at %d)", tt.prefix, len(got), len(tt.want), firstDiff(got, tt.want))
			}
		})
	}
}

func firstDiff(a, b []string) int {
	for i := range min(len(a), len(b)) {
		if a[i] != b[i] {
			return i
		}
	}
	return min(len(a), len(b))
}

// putAll stores keys concurrently.
func putAll(t *testing.T, s blob.Store, keys []string) {
	t.Helper()
	ch := make(chan string)
	errs := make(chan error, len(keys))
	var wg sync.WaitGroup
	for range 16 {
		wg.Go(func() {
			for k := range ch {
				if err := s.Put(context.Background(), k, []byte(k), "text/plain"); err != nil {
					errs <- err
				}
			}
		})
	}
	for _, k := range keys {
		ch <- k
	}
	close(ch)
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
}

func TestCheckKey(t *testing.T) {
	tests := []struct {
		key string
		ok  bool
	}{
		{"runs/w1/manifest.json", true},
		{"runs/w1/episodes/task-1/trial-0.json", true},
		{"a", true},
		{"", false},
		{"/runs/w1/a.json", false},
		{"runs/../secrets", false},
		{"..", false},
		{"../a", false},
		{"runs/w1/..", false},
		{"runs//a.json", false},
	}
	srv := startServer(t, s3server.Options{})
	s := newStore(t, srv)
	ctx := context.Background()
	for _, tt := range tests {
		t.Run(tt.key, func(t *testing.T) {
			if err := blob.CheckKey(tt.key); (err == nil) != tt.ok {
				t.Fatalf("CheckKey(%q) = %v, want ok=%v", tt.key, err, tt.ok)
			}
			if tt.ok {
				return
			}
			if err := s.Put(ctx, tt.key, []byte("x"), "text/plain"); err == nil {
				t.Errorf("Put(%q) succeeded", tt.key)
			}
			if _, err := s.Get(ctx, tt.key); err == nil || errors.Is(err, blob.ErrNotFound) {
				t.Errorf("Get(%q) err = %v, want a key error", tt.key, err)
			}
		})
	}
	if keys, err := s.List(ctx, ""); err != nil || len(keys) != 0 {
		t.Errorf("bad keys stored: %v, %v", keys, err)
	}
}

func TestS3BoltKeepsObjectsAcrossRestart(t *testing.T) {
	file := filepath.Join(t.TempDir(), "sub", "s3.bolt")
	ctx := context.Background()
	srv, err := s3server.Start(ctx, s3server.Options{File: file})
	if err != nil {
		t.Fatal(err)
	}
	keys := []string{"runs/w1/manifest.json", "runs/w1/episodes/t1/trial-0.json"}
	s := newStore(t, srv)
	for _, k := range keys {
		if err := s.Put(ctx, k, []byte("data of "+k), "application/json"); err != nil {
			t.Fatal(err)
		}
	}
	if err := srv.Close(); err != nil {
		t.Fatal(err)
	}
	// Reopening the file needs the first server to have released its lock.
	srv2 := startServer(t, s3server.Options{File: file})
	s2 := newStore(t, srv2)
	got, err := s2.List(ctx, "runs/w1/")
	if err != nil {
		t.Fatal(err)
	}
	slices.Sort(got)
	if want := []string{"runs/w1/episodes/t1/trial-0.json", "runs/w1/manifest.json"}; !slices.Equal(got, want) {
		t.Errorf("after restart List = %v, want %v", got, want)
	}
	for _, k := range keys {
		if b, err := s2.Get(ctx, k); err != nil || string(b) != "data of "+k {
			t.Errorf("after restart Get(%q) = %q, %v", k, b, err)
		}
	}
}

func TestS3Bucket(t *testing.T) {
	ctx := context.Background()
	t.Run("auto-created on first use", func(t *testing.T) {
		s := newStore(t, startServer(t, s3server.Options{}))
		if err := s.Put(ctx, "runs/w1/a.json", []byte("{}"), "application/json"); err != nil {
			t.Fatalf("Put on a fresh server: %v", err)
		}
	})
	t.Run("auto-created under concurrent first use", func(t *testing.T) {
		for range 3 {
			s := newStore(t, startServer(t, s3server.Options{}))
			var keys []string
			for i := range 32 {
				keys = append(keys, fmt.Sprintf("runs/w1/k%d", i))
			}
			putAll(t, s, keys)
		}
	})
	t.Run("EnsureBucket creates it", func(t *testing.T) {
		srv := startServer(t, s3server.Options{NoAutoBucket: true})
		s := newStore(t, srv)
		if err := s.Put(ctx, "runs/w1/a.json", []byte("{}"), "application/json"); err == nil {
			t.Fatal("Put succeeded on a missing bucket; the test cannot tell whether EnsureBucket works")
		}
		for range 2 { // idempotent
			if err := s.EnsureBucket(ctx); err != nil {
				t.Fatal(err)
			}
		}
		if err := s.Put(ctx, "runs/w1/a.json", []byte("{}"), "application/json"); err != nil {
			t.Fatalf("Put after EnsureBucket: %v", err)
		}
		out, err := rawClient(srv).ListBuckets(ctx, &s3.ListBucketsInput{})
		if err != nil {
			t.Fatal(err)
		}
		if len(out.Buckets) != 1 || aws.ToString(out.Buckets[0].Name) != bucket {
			t.Errorf("buckets = %+v, want only %s", out.Buckets, bucket)
		}
	})
}

func TestS3URI(t *testing.T) {
	s := newStore(t, startServer(t, s3server.Options{}))
	if got, want := s.URI(blob.RunKey("wf-1", "episodes", "t1", "trial-0.json")), "s3://"+bucket+"/runs/wf-1/episodes/t1/trial-0.json"; got != want {
		t.Errorf("URI = %q, want %q", got, want)
	}
}
