package gpu

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
)

func device(uuid string, ecc uint64) *mock.Device {
	return &mock.Device{
		GetUUIDFunc:       func() (string, nvml.Return) { return uuid, nvml.SUCCESS },
		GetNameFunc:       func() (string, nvml.Return) { return "NVIDIA H100 80GB HBM3", nvml.SUCCESS },
		GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) { return nvml.Memory{Total: 80 << 30, Used: 1 << 30}, nvml.SUCCESS },
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
			return nvml.Utilization{Gpu: 7}, nvml.SUCCESS
		},
		GetTotalEccErrorsFunc: func(nvml.MemoryErrorType, nvml.EccCounterType) (uint64, nvml.Return) { return ecc, nvml.SUCCESS },
		GetRetiredPagesPendingStatusFunc: func() (nvml.EnableState, nvml.Return) {
			return nvml.FEATURE_DISABLED, nvml.ERROR_NOT_SUPPORTED
		},
	}
}

func lib(devs ...*mock.Device) *mock.Interface {
	return &mock.Interface{
		InitFunc:                   func() nvml.Return { return nvml.SUCCESS },
		ShutdownFunc:               func() nvml.Return { return nvml.SUCCESS },
		DeviceGetCountFunc:         func() (int, nvml.Return) { return len(devs), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) { return devs[i], nvml.SUCCESS },
	}
}

func TestDiscover(t *testing.T) {
	gpus, err := Discover(lib(device("GPU-a", 0), device("GPU-b", 3)))
	if err != nil {
		t.Fatal(err)
	}
	if len(gpus) != 2 || gpus[0].UUID != "GPU-a" || gpus[0].MemoryTotal != 80<<30 || gpus[0].Utilization != 7 || !gpus[0].Healthy {
		t.Fatalf("%+v", gpus)
	}
	if gpus[1].Healthy || gpus[1].Problem == "" {
		t.Errorf("GPU with ECC errors should be unhealthy: %+v", gpus[1])
	}
	if p := NewPool(gpus); p.Slots() != 1 {
		t.Errorf("slots %d, want 1 (the unhealthy GPU gets none)", p.Slots())
	}
}

func TestNoDriverMeansNoSlots(t *testing.T) {
	l := &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }}
	_, err := Discover(l)
	if !errors.Is(err, ErrNoGPU) {
		t.Fatalf("want ErrNoGPU, got %v", err)
	}
	if NewPool(nil).Slots() != 0 {
		t.Error("a pool without GPUs offers slots")
	}
}

func TestAcquireReleaseQuarantine(t *testing.T) {
	gpus, _ := Discover(lib(device("GPU-a", 0), device("GPU-b", 0)))
	p := NewPool(gpus)
	ctx := context.Background()
	l1, err := p.Acquire(ctx, 2)
	if err != nil || l1.CUDAVisibleDevices() != "0,1" {
		t.Fatalf("%v %v", l1, err)
	}
	got := make(chan *Lease)
	go func() {
		l, _ := p.Acquire(ctx, 1)
		got <- l
	}()
	select {
	case <-got:
		t.Fatal("acquired a GPU while all were leased")
	case <-time.After(50 * time.Millisecond):
	}
	l1.Release()
	l2 := <-got
	l2.Quarantine("CUDA error: an illegal memory access")
	if p.Slots() != 1 {
		t.Errorf("slots %d after quarantine, want 1", p.Slots())
	}
	if _, err := p.Acquire(ctx, 2); err == nil {
		t.Error("acquired 2 GPUs with one quarantined")
	}
	cctx, cancel := context.WithCancel(ctx)
	l3, _ := p.Acquire(ctx, 1)
	cancel()
	if _, err := p.Acquire(cctx, 1); !errors.Is(err, context.Canceled) {
		t.Errorf("want context.Canceled, got %v", err)
	}
	l3.Release()
}
