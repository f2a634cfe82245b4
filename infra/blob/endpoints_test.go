package blob

import (
	"context"
	"fmt"
	"testing"

	"github.com/aws/aws-sdk-go-v2/aws"
	"github.com/aws/aws-sdk-go-v2/service/s3"
	smithyauth "github.com/aws/smithy-go/auth"
	smithyendpoints "github.com/aws/smithy-go/endpoints"
	smithyhttp "github.com/aws/smithy-go/transport/http"
)

// countingResolver counts the resolutions that reach the ruleset.
type countingResolver struct {
	next  s3.EndpointResolverV2
	calls int
}

func (c *countingResolver) ResolveEndpoint(ctx context.Context, p s3.EndpointParameters) (smithyendpoints.Endpoint, error) {
	c.calls++
	return c.next.ResolveEndpoint(ctx, p)
}

// TestCachedEndpointsMatchRuleset: the cache answers what the ruleset
// answers, evaluates it once per bucket whatever the object key, and again
// for another bucket.
func TestCachedEndpointsMatchRuleset(t *testing.T) {
	ctx := context.Background()
	rules := s3.NewDefaultEndpointResolverV2()
	counting := &countingResolver{next: rules}
	cached := &cachedEndpoints{next: counting}
	params := func(bucket, key string) s3.EndpointParameters {
		return s3.EndpointParameters{Bucket: aws.String(bucket), Key: aws.String(key), Region: aws.String("us-east-1"),
			Endpoint: aws.String("http://127.0.0.1:9000"), ForcePathStyle: aws.Bool(true), UseFIPS: aws.Bool(false),
			UseDualStack: aws.Bool(false), Accelerate: aws.Bool(false)}
	}
	for i, tc := range []struct {
		bucket, key string
		calls       int
	}{
		{"runs", "a/instance.json", 1},
		{"runs", "b/transcript.json", 1},
		{"other", "a/instance.json", 2},
		{"runs", "c", 2},
	} {
		p := params(tc.bucket, tc.key)
		got, err := cached.ResolveEndpoint(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		want, err := rules.ResolveEndpoint(ctx, p)
		if err != nil {
			t.Fatal(err)
		}
		if got.URI.String() != want.URI.String() {
			t.Errorf("%d: endpoint %s, ruleset says %s", i, got.URI.String(), want.URI.String())
		}
		if g, w := signing(t, got), signing(t, want); g != w {
			t.Errorf("%d: signing %s, ruleset says %s", i, g, w)
		}
		if got.URI.String() != "http://127.0.0.1:9000/"+tc.bucket {
			t.Errorf("%d: endpoint %s", i, got.URI.String())
		}
		if counting.calls != tc.calls {
			t.Errorf("%d: ruleset evaluated %d times, want %d", i, counting.calls, tc.calls)
		}
	}
}

// signing describes an endpoint's auth options.
func signing(t *testing.T, e smithyendpoints.Endpoint) string {
	t.Helper()
	opts, ok := smithyauth.GetAuthOptions(&e.Properties)
	if !ok || len(opts) == 0 {
		t.Fatal("no auth options")
	}
	var out string
	for _, o := range opts {
		name, _ := smithyhttp.GetSigV4SigningName(&o.SignerProperties)
		region, _ := smithyhttp.GetSigV4SigningRegion(&o.SignerProperties)
		double, _ := smithyhttp.GetDisableDoubleEncoding(&o.SignerProperties)
		out += fmt.Sprintf("%s name=%s region=%s nodouble=%v;", o.SchemeID, name, region, double)
	}
	return out
}
