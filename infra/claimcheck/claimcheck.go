// Package claimcheck keeps large payloads out of Temporal's history: a
// PayloadCodec that stores every payload above a size threshold in the blob
// store (under claims/<sha256>) and puts only a small reference in the
// history — the claim-check pattern. Workflows and activities see the
// original values; the Web UI shows the reference for large ones.
package claimcheck

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"time"

	commonpb "go.temporal.io/api/common/v1"
	"go.temporal.io/sdk/converter"
	"google.golang.org/protobuf/proto"
)

// Encoding marks a payload that is a claim check.
const Encoding = "eigendata/claim-check"

// DefaultThreshold is the payload size above which payloads go to the store.
const DefaultThreshold = 128 << 10

// Store is the blob store the payloads go to.
type Store interface {
	Put(ctx context.Context, key string, data []byte, contentType string) error
	Get(ctx context.Context, key string) ([]byte, error)
}

// Codec is a converter.PayloadCodec offloading large payloads to Store.
type Codec struct {
	Store Store
	// Threshold in bytes (DefaultThreshold when 0).
	Threshold int
	// Timeout bounds each store call (default 30 s).
	Timeout time.Duration
}

func (c *Codec) ctx() (context.Context, context.CancelFunc) {
	t := c.Timeout
	if t == 0 {
		t = 30 * time.Second
	}
	return context.WithTimeout(context.Background(), t)
}

// Key is where a payload's bytes are stored: content-addressed, so storing
// the same payload twice (a retried activity) writes the same object.
func Key(data []byte) string {
	h := sha256.Sum256(data)
	return "claims/" + hex.EncodeToString(h[:])
}

// Encode implements converter.PayloadCodec.
func (c *Codec) Encode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	limit := c.Threshold
	if limit <= 0 {
		limit = DefaultThreshold
	}
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if proto.Size(p) <= limit {
			out[i] = p
			continue
		}
		data, err := proto.Marshal(p)
		if err != nil {
			return nil, fmt.Errorf("claimcheck: marshal: %w", err)
		}
		key := Key(data)
		ctx, cancel := c.ctx()
		err = c.Store.Put(ctx, key, data, "application/x-protobuf")
		cancel()
		if err != nil {
			return nil, fmt.Errorf("claimcheck: storing %s: %w", key, err)
		}
		out[i] = &commonpb.Payload{Metadata: map[string][]byte{converter.MetadataEncoding: []byte(Encoding)}, Data: []byte(key)}
	}
	return out, nil
}

// Decode implements converter.PayloadCodec.
func (c *Codec) Decode(payloads []*commonpb.Payload) ([]*commonpb.Payload, error) {
	out := make([]*commonpb.Payload, len(payloads))
	for i, p := range payloads {
		if string(p.GetMetadata()[converter.MetadataEncoding]) != Encoding {
			out[i] = p
			continue
		}
		key := string(p.GetData())
		ctx, cancel := c.ctx()
		data, err := c.Store.Get(ctx, key)
		cancel()
		if err != nil {
			return nil, fmt.Errorf("claimcheck: loading %s: %w", key, err)
		}
		var orig commonpb.Payload
		if err := proto.Unmarshal(data, &orig); err != nil {
			return nil, fmt.Errorf("claimcheck: %s: %w", key, err)
		}
		out[i] = &orig
	}
	return out, nil
}

// DataConverter wraps Temporal's default converter with the codec.
func DataConverter(store Store, threshold int) converter.DataConverter {
	return converter.NewCodecDataConverter(converter.GetDefaultDataConverter(), &Codec{Store: store, Threshold: threshold})
}
