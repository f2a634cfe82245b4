package blob

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"strconv"
	"sync"

	"github.com/aws/aws-sdk-go-v2/aws"
	awsconfig "github.com/aws/aws-sdk-go-v2/config"
	"github.com/aws/aws-sdk-go-v2/credentials"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	"github.com/aws/aws-sdk-go-v2/service/s3/types"
	smithyauth "github.com/aws/smithy-go/auth"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
)

// S3Config configures an S3 store.
type S3Config struct {
	// Endpoint is a custom S3 endpoint (MinIO, the in-process server); empty uses AWS.
	Endpoint string
	Region   string
	Bucket   string
	// PathStyle addresses buckets as /bucket/key (MinIO and most S3-compatible servers).
	PathStyle bool
	// AccessKey and SecretKey are static credentials; empty uses the default AWS chain.
	AccessKey string
	SecretKey string
}

// S3ConfigFromEnv reads S3_ENDPOINT, S3_BUCKET (default eigendata), S3_REGION
// (default us-east-1), S3_PATH_STYLE (true/false; default true when an
// endpoint is set), AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY.
func S3ConfigFromEnv() S3Config {
	c := S3Config{Endpoint: os.Getenv("S3_ENDPOINT"), Bucket: os.Getenv("S3_BUCKET"), Region: os.Getenv("S3_REGION"),
		AccessKey: os.Getenv("AWS_ACCESS_KEY_ID"), SecretKey: os.Getenv("AWS_SECRET_ACCESS_KEY")}
	if c.Bucket == "" {
		c.Bucket = "eigendata"
	}
	if c.Region == "" {
		c.Region = "us-east-1"
	}
	c.PathStyle = c.Endpoint != ""
	if v, err := strconv.ParseBool(os.Getenv("S3_PATH_STYLE")); err == nil {
		c.PathStyle = v
	}
	return c
}

// S3 is a Store on an S3 bucket.
type S3 struct {
	c      *s3.Client
	bucket string
}

// NewS3 connects to the bucket described by cfg.
func NewS3(ctx context.Context, cfg S3Config) (*S3, error) {
	var opts []func(*awsconfig.LoadOptions) error
	if cfg.Region != "" {
		opts = append(opts, awsconfig.WithRegion(cfg.Region))
	}
	if cfg.AccessKey != "" {
		opts = append(opts, awsconfig.WithCredentialsProvider(credentials.NewStaticCredentialsProvider(cfg.AccessKey, cfg.SecretKey, "")))
	}
	ac, err := awsconfig.LoadDefaultConfig(ctx, opts...)
	if err != nil {
		return nil, fmt.Errorf("blob: aws config: %w", err)
	}
	c := s3.NewFromConfig(ac, func(o *s3.Options) {
		if cfg.Endpoint != "" {
			o.BaseEndpoint = aws.String(cfg.Endpoint)
			o.EndpointResolverV2 = &cachedEndpoints{next: s3.NewDefaultEndpointResolverV2()}
		}
		o.UsePathStyle = cfg.PathStyle
	})
	return &S3{c: c, bucket: cfg.Bucket}, nil
}

// EnsureBucket creates the bucket if it does not exist.
func (s *S3) EnsureBucket(ctx context.Context) error {
	if _, err := s.c.HeadBucket(ctx, &s3.HeadBucketInput{Bucket: &s.bucket}); err == nil {
		return nil
	}
	if _, err := s.c.CreateBucket(ctx, &s3.CreateBucketInput{Bucket: &s.bucket}); err != nil {
		var owned *types.BucketAlreadyOwnedByYou
		if !errors.As(err, &owned) {
			return fmt.Errorf("blob: creating bucket %s: %w", s.bucket, err)
		}
	}
	return nil
}

// Put implements Store.
func (s *S3) Put(ctx context.Context, key string, data []byte, contentType string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	_, err := s.c.PutObject(ctx, &s3.PutObjectInput{Bucket: &s.bucket, Key: &key, Body: bytes.NewReader(data),
		ContentType: aws.String(contentType), ContentLength: aws.Int64(int64(len(data)))})
	if err != nil {
		return fmt.Errorf("blob: put %s: %w", key, err)
	}
	return nil
}

// Get implements Store.
func (s *S3) Get(ctx context.Context, key string) ([]byte, error) {
	if err := CheckKey(key); err != nil {
		return nil, err
	}
	out, err := s.c.GetObject(ctx, &s3.GetObjectInput{Bucket: &s.bucket, Key: &key})
	if err != nil {
		var nk *types.NoSuchKey
		if errors.As(err, &nk) {
			return nil, fmt.Errorf("%w: %s", ErrNotFound, key)
		}
		return nil, fmt.Errorf("blob: get %s: %w", key, err)
	}
	defer out.Body.Close()
	b, err := io.ReadAll(out.Body)
	if err != nil {
		return nil, fmt.Errorf("blob: reading %s: %w", key, err)
	}
	return b, nil
}

// List implements Store.
func (s *S3) List(ctx context.Context, prefix string) ([]string, error) {
	var keys []string
	p := s3.NewListObjectsV2Paginator(s.c, &s3.ListObjectsV2Input{Bucket: &s.bucket, Prefix: &prefix})
	for p.HasMorePages() {
		page, err := p.NextPage(ctx)
		if err != nil {
			return nil, fmt.Errorf("blob: list %s: %w", prefix, err)
		}
		for _, o := range page.Contents {
			keys = append(keys, aws.ToString(o.Key))
		}
	}
	return keys, nil
}

// Delete implements Store.
func (s *S3) Delete(ctx context.Context, key string) error {
	if err := CheckKey(key); err != nil {
		return err
	}
	if _, err := s.c.DeleteObject(ctx, &s3.DeleteObjectInput{Bucket: &s.bucket, Key: &key}); err != nil {
		return fmt.Errorf("blob: delete %s: %w", key, err)
	}
	return nil
}

// URI implements Store.
func (s *S3) URI(key string) string { return "s3://" + s.bucket + "/" + key }

// cachedEndpoints remembers the S3 endpoint ruleset's answers. With a fixed
// endpoint (MinIO, the in-process server) the answer is the same for every
// request to a bucket, and evaluating the ruleset each time was a few
// percent of a synthesis run's CPU. The object key, prefix and copy source
// are left out of the cache key: the ruleset does not read them. Each
// request gets its own copy, as the client writes into an endpoint's
// signing properties.
type cachedEndpoints struct {
	next s3.EndpointResolverV2
	mu   sync.Mutex
	m    map[string]smithyendpoints.Endpoint
}

// ResolveEndpoint implements s3.EndpointResolverV2.
func (c *cachedEndpoints) ResolveEndpoint(ctx context.Context, p s3.EndpointParameters) (smithyendpoints.Endpoint, error) {
	p.Key, p.Prefix, p.CopySource = nil, nil, nil
	b, err := json.Marshal(p)
	if err != nil {
		return c.next.ResolveEndpoint(ctx, p)
	}
	k := string(b)
	c.mu.Lock()
	e, ok := c.m[k]
	c.mu.Unlock()
	if ok {
		return copyEndpoint(e), nil
	}
	e, err = c.next.ResolveEndpoint(ctx, p)
	if err != nil {
		return e, err
	}
	c.mu.Lock()
	if c.m == nil {
		c.m = map[string]smithyendpoints.Endpoint{}
	}
	c.m[k] = copyEndpoint(e)
	c.mu.Unlock()
	return e, nil
}

// copyEndpoint copies e's headers, properties and auth options.
func copyEndpoint(e smithyendpoints.Endpoint) smithyendpoints.Endpoint {
	out := smithyendpoints.Endpoint{URI: e.URI, Headers: e.Headers.Clone()}
	out.Properties.SetAll(&e.Properties)
	if opts, ok := smithyauth.GetAuthOptions(&e.Properties); ok {
		cp := make([]*smithyauth.Option, len(opts))
		for i, o := range opts {
			c := &smithyauth.Option{SchemeID: o.SchemeID}
			c.IdentityProperties.SetAll(&o.IdentityProperties)
			c.SignerProperties.SetAll(&o.SignerProperties)
			cp[i] = c
		}
		smithyauth.SetAuthOptions(&out.Properties, cp)
	}
	return out
}
