package gpu

import (
	"errors"
	"strings"
	"testing"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
	"github.com/NVIDIA/go-nvml/pkg/nvml/mock"
)

// dev describes a mock device; the zero value is a healthy H100.
type dev struct {
	uuid          string
	handle        nvml.Return // DeviceGetHandleByIndex
	memory        nvml.Return
	ecc           uint64
	eccRet        nvml.Return
	retiredRet    nvml.Return
	retired       nvml.EnableState
	rowsPending   bool
	rowsFailed    bool
	rowsRet       nvml.Return
	throttle      uint64
	utilRet       nvml.Return
	lostOnUtilize bool
}

func (d dev) mock() *mock.Device {
	return &mock.Device{
		GetUUIDFunc: func() (string, nvml.Return) { return d.uuid, nvml.SUCCESS },
		GetNameFunc: func() (string, nvml.Return) { return "NVIDIA H100 80GB HBM3", nvml.SUCCESS },
		GetMemoryInfoFunc: func() (nvml.Memory, nvml.Return) {
			return nvml.Memory{Total: 80 << 30, Used: 3 << 30, Free: 77 << 30}, d.memory
		},
		GetUtilizationRatesFunc: func() (nvml.Utilization, nvml.Return) {
			if d.lostOnUtilize {
				return nvml.Utilization{}, nvml.ERROR_GPU_IS_LOST
			}
			return nvml.Utilization{Gpu: 42, Memory: 10}, d.utilRet
		},
		GetTotalEccErrorsFunc: func(typ nvml.MemoryErrorType, counter nvml.EccCounterType) (uint64, nvml.Return) {
			if typ != nvml.MEMORY_ERROR_TYPE_UNCORRECTED || counter != nvml.VOLATILE_ECC {
				return 0, nvml.ERROR_INVALID_ARGUMENT
			}
			return d.ecc, d.eccRet
		},
		GetRetiredPagesPendingStatusFunc: func() (nvml.EnableState, nvml.Return) { return d.retired, d.retiredRet },
		GetRemappedRowsFunc: func() (int, int, bool, bool, nvml.Return) {
			return 0, 0, d.rowsPending, d.rowsFailed, d.rowsRet
		},
		GetCurrentClocksEventReasonsFunc: func() (uint64, nvml.Return) { return d.throttle, nvml.SUCCESS },
	}
}

func lib(devs ...dev) *mock.Interface {
	return &mock.Interface{
		InitFunc:           func() nvml.Return { return nvml.SUCCESS },
		ShutdownFunc:       func() nvml.Return { return nvml.SUCCESS },
		DeviceGetCountFunc: func() (int, nvml.Return) { return len(devs), nvml.SUCCESS },
		DeviceGetHandleByIndexFunc: func(i int) (nvml.Device, nvml.Return) {
			if devs[i].handle != nvml.SUCCESS {
				return nil, devs[i].handle
			}
			return devs[i].mock(), nvml.SUCCESS
		},
	}
}

func TestDiscoverTwoGPUs(t *testing.T) {
	l := lib(dev{uuid: "GPU-aaaa"}, dev{uuid: "GPU-bbbb", throttle: nvml.ClocksThrottleReasonHwThermalSlowdown | nvml.ClocksEventReasonGpuIdle})
	gpus, err := Discover(l)
	if err != nil {
		t.Fatal(err)
	}
	if len(gpus) != 2 {
		t.Fatalf("%d GPUs: %+v", len(gpus), gpus)
	}
	for i, want := range []string{"GPU-aaaa", "GPU-bbbb"} {
		g := gpus[i]
		if g.Index != i || g.UUID != want || g.Name != "NVIDIA H100 80GB HBM3" || g.MemoryTotal != 80<<30 ||
			g.MemoryUsed != 3<<30 || g.Utilization != 42 || !g.Healthy || g.Problem != "" {
			t.Errorf("GPU %d: %+v", i, g)
		}
	}
	if len(gpus[0].Throttle) != 0 || len(gpus[1].Throttle) != 1 || gpus[1].Throttle[0] != "hw_thermal_slowdown" {
		t.Errorf("throttle reasons %v %v", gpus[0].Throttle, gpus[1].Throttle)
	}
	if len(l.InitCalls()) != 1 || len(l.ShutdownCalls()) != 1 {
		t.Errorf("Init called %d times, Shutdown %d", len(l.InitCalls()), len(l.ShutdownCalls()))
	}
}

func TestDiscoverHealth(t *testing.T) {
	cases := []struct {
		name    string
		d       dev
		healthy bool
		problem string
	}{
		{"healthy", dev{uuid: "GPU-1"}, true, ""},
		{"uncorrected ECC errors", dev{uuid: "GPU-1", ecc: 3}, false, "3 uncorrected ECC errors"},
		{"ECC unsupported counts as healthy", dev{uuid: "GPU-1", ecc: 9, eccRet: nvml.ERROR_NOT_SUPPORTED}, true, ""},
		{"retired pages pending", dev{uuid: "GPU-1", retired: nvml.FEATURE_ENABLED}, false, "retired pages pending"},
		{"retired pages unsupported", dev{uuid: "GPU-1", retired: nvml.FEATURE_ENABLED, retiredRet: nvml.ERROR_NOT_SUPPORTED}, true, ""},
		{"row remapping pending", dev{uuid: "GPU-1", rowsPending: true}, false, "row remapping pending"},
		{"row remapping failed", dev{uuid: "GPU-1", rowsFailed: true, rowsPending: true}, false, "row remapping failed"},
		{"row remapping unsupported", dev{uuid: "GPU-1", rowsFailed: true, rowsRet: nvml.ERROR_NOT_SUPPORTED}, true, ""},
		{"lost GPU", dev{uuid: "GPU-1", lostOnUtilize: true}, false, "ERROR_GPU_IS_LOST"},
		{"utilization unsupported", dev{uuid: "GPU-1", utilRet: nvml.ERROR_NOT_SUPPORTED}, true, ""},
		{"memory info fails", dev{uuid: "GPU-1", memory: nvml.ERROR_UNKNOWN}, false, "memory info"},
		{"no handle", dev{handle: nvml.ERROR_UNKNOWN}, false, "device handle"},
		{"several problems", dev{uuid: "GPU-1", ecc: 1, rowsPending: true}, false, "ECC errors since the driver loaded; row remapping pending"},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gpus, err := Discover(lib(tc.d))
			if err != nil {
				t.Fatal(err)
			}
			g := gpus[0]
			if g.Healthy != tc.healthy || !strings.Contains(g.Problem, tc.problem) || (tc.healthy && g.Problem != "") {
				t.Errorf("healthy=%v problem=%q, want healthy=%v problem containing %q", g.Healthy, g.Problem, tc.healthy, tc.problem)
			}
		})
	}
}

func TestDiscoverWithoutGPUs(t *testing.T) {
	cases := []struct {
		name string
		l    *mock.Interface
		want []string
	}{
		{"libnvidia-ml missing", &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_LIBRARY_NOT_FOUND }},
			[]string{"no NVIDIA GPU found (NVML: ERROR_LIBRARY_NOT_FOUND", "no NVIDIA driver is installed", "this worker offers no gpu slots"}},
		{"driver not loaded", &mock.Interface{InitFunc: func() nvml.Return { return nvml.ERROR_DRIVER_NOT_LOADED }},
			[]string{"kernel driver is not loaded", "no gpu slots"}},
		{"zero devices", &mock.Interface{
			InitFunc:           func() nvml.Return { return nvml.SUCCESS },
			ShutdownFunc:       func() nvml.Return { return nvml.SUCCESS },
			DeviceGetCountFunc: func() (int, nvml.Return) { return 0, nvml.SUCCESS },
		}, []string{"0 devices", "no gpu slots"}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			gpus, err := Discover(tc.l)
			if !errors.Is(err, ErrNoGPU) {
				t.Fatalf("got %v, want ErrNoGPU", err)
			}
			var nerr *NoGPUError
			if !errors.As(err, &nerr) {
				t.Errorf("error %T is not a *NoGPUError", err)
			}
			for _, s := range tc.want {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("message %q lacks %q", err, s)
				}
			}
			p := NewPool(gpus)
			if p.Slots() != 0 || len(p.Status()) != 0 {
				t.Errorf("a pool without GPUs offers %d slots", p.Slots())
			}
		})
	}
}

// TestDiscoverOnThisMachine runs the real NVML binding: a machine without
// a driver must get the clear ErrNoGPU, one with GPUs must list them.
func TestDiscoverOnThisMachine(t *testing.T) {
	gpus, err := Discover(nvml.New())
	switch {
	case errors.Is(err, ErrNoGPU):
		t.Logf("no GPU here: %v", err)
	case err != nil:
		t.Fatalf("unexpected error: %v", err)
	case len(gpus) == 0:
		t.Fatal("Discover found nothing but reported no error")
	default:
		for _, g := range gpus {
			if g.UUID == "" && g.Healthy {
				t.Errorf("healthy GPU %d without a UUID", g.Index)
			}
			t.Logf("GPU %d %s %s healthy=%v %s", g.Index, g.UUID, g.Name, g.Healthy, g.Problem)
		}
	}
}
