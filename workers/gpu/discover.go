// Package gpu discovers NVIDIA GPUs through NVML (go-nvml) and hands them
// out as slots to training activities: one slot per healthy GPU, leases
// pinned with CUDA_VISIBLE_DEVICES, and quarantine for a GPU that fails.
// On a machine without an NVIDIA driver, Discover says so clearly and the
// pool offers no slots. It has no Temporal import; the gpu worker wraps it.
package gpu

import (
	"errors"
	"fmt"
	"strings"

	"github.com/NVIDIA/go-nvml/pkg/nvml"
)

// GPU is one device as NVML reports it.
type GPU struct {
	// Index is NVML's device index (PCI bus order).
	Index int `json:"index"`
	// UUID is the device's ("GPU-…", or "MIG-…" for a MIG instance).
	UUID string `json:"uuid"`
	// Name is the product name.
	Name string `json:"name"`
	// MemoryTotal and MemoryUsed are in bytes.
	MemoryTotal uint64 `json:"memory_total"`
	MemoryUsed  uint64 `json:"memory_used"`
	// Utilization is the percentage of time a kernel ran over NVML's last
	// sample period (0 when unsupported).
	Utilization uint32 `json:"utilization_percent"`
	// Healthy GPUs get a slot.
	Healthy bool `json:"healthy"`
	// Problem says why a GPU is unhealthy.
	Problem string `json:"problem,omitempty"`
	// Throttle lists active hardware slowdowns (informational: a GPU that
	// throttles still gets a slot).
	Throttle []string `json:"throttle,omitempty"`
}

// ErrNoGPU means NVML is unavailable or finds no device. Discover returns
// it wrapped in a *NoGPUError that says why.
var ErrNoGPU = errors.New("no NVIDIA GPU found")

// NoGPUError is Discover's error when there is nothing to offer; it
// matches ErrNoGPU with errors.Is.
type NoGPUError struct {
	// Reason is NVML's return code, explained.
	Reason string
}

// Error is the message a worker prints at start-up.
func (e *NoGPUError) Error() string {
	return fmt.Sprintf("no NVIDIA GPU found (NVML: %s); this worker offers no gpu slots", e.Reason)
}

// Is matches ErrNoGPU.
func (e *NoGPUError) Is(target error) bool { return target == ErrNoGPU }

// explain turns the NVML return codes of a machine without usable GPUs
// into a sentence.
func explain(r nvml.Return) string {
	switch r {
	case nvml.ERROR_LIBRARY_NOT_FOUND:
		return r.Error() + ": libnvidia-ml.so.1 could not be loaded, no NVIDIA driver is installed"
	case nvml.ERROR_DRIVER_NOT_LOADED:
		return r.Error() + ": the NVIDIA kernel driver is not loaded"
	case nvml.ERROR_NO_PERMISSION:
		return r.Error() + ": no permission to open the NVIDIA devices"
	case nvml.ERROR_LIB_RM_VERSION_MISMATCH:
		return r.Error() + ": the NVML library and the kernel driver versions differ (reboot or reload the driver)"
	}
	return r.Error()
}

// Discover lists the GPUs of lib (nvml.New() on a real machine, the
// go-nvml mock in tests). It fails with a *NoGPUError (errors.Is ErrNoGPU)
// when NVML cannot start or sees no device. Every device is listed; those
// whose health checks fail have Healthy false and a Problem. Health:
// the device must answer (a lost GPU or one that needs a reset is
// unhealthy), report its memory, and have no volatile uncorrected ECC
// error, no retired pages pending, and no pending or failed row remapping.
// Queries a device does not support count as passed.
func Discover(lib nvml.Interface) ([]GPU, error) {
	if r := lib.Init(); r != nvml.SUCCESS {
		return nil, &NoGPUError{Reason: explain(r)}
	}
	defer lib.Shutdown()
	n, r := lib.DeviceGetCount()
	if r != nvml.SUCCESS {
		return nil, &NoGPUError{Reason: "counting devices: " + explain(r)}
	}
	if n == 0 {
		return nil, &NoGPUError{Reason: "the driver reports 0 devices"}
	}
	out := make([]GPU, 0, n)
	for i := range n {
		out = append(out, probe(lib, i))
	}
	return out, nil
}

// health collects a device's problems.
type health struct{ problems []string }

// fatal reports whether r means the device itself is gone or wedged.
func fatal(r nvml.Return) bool { return r == nvml.ERROR_GPU_IS_LOST || r == nvml.ERROR_RESET_REQUIRED }

// unsupported reports whether r means the query does not apply here.
func unsupported(r nvml.Return) bool {
	return r == nvml.ERROR_NOT_SUPPORTED || r == nvml.ERROR_FUNCTION_NOT_FOUND
}

// required records a failed query the device must answer.
func (h *health) required(what string, r nvml.Return) bool {
	if r == nvml.SUCCESS {
		return true
	}
	if !unsupported(r) {
		h.problems = append(h.problems, fmt.Sprintf("%s: %s", what, r.Error()))
	}
	return false
}

// optional records only the fatal failures of a query.
func (h *health) optional(what string, r nvml.Return) bool {
	if r == nvml.SUCCESS {
		return true
	}
	if fatal(r) {
		h.problems = append(h.problems, fmt.Sprintf("%s: %s", what, r.Error()))
	}
	return false
}

func (h *health) add(p string) { h.problems = append(h.problems, p) }

// hwThrottles are the clock-event reasons that point at the hardware.
var hwThrottles = []struct {
	bit  uint64
	name string
}{
	{nvml.ClocksThrottleReasonHwSlowdown, "hw_slowdown"},
	{nvml.ClocksThrottleReasonHwThermalSlowdown, "hw_thermal_slowdown"},
	{nvml.ClocksThrottleReasonHwPowerBrakeSlowdown, "hw_power_brake_slowdown"},
}

func probe(lib nvml.Interface, i int) GPU {
	g := GPU{Index: i}
	d, r := lib.DeviceGetHandleByIndex(i)
	if r != nvml.SUCCESS {
		g.Problem = "device handle: " + r.Error()
		return g
	}
	var h health
	if uuid, r := d.GetUUID(); h.required("uuid", r) {
		g.UUID = uuid
	}
	if name, r := d.GetName(); h.optional("name", r) {
		g.Name = name
	}
	if m, r := d.GetMemoryInfo(); h.required("memory info", r) {
		g.MemoryTotal, g.MemoryUsed = m.Total, m.Used
	}
	if u, r := d.GetUtilizationRates(); h.optional("utilization", r) {
		g.Utilization = u.Gpu
	}
	if n, r := d.GetTotalEccErrors(nvml.MEMORY_ERROR_TYPE_UNCORRECTED, nvml.VOLATILE_ECC); h.optional("ECC errors", r) && n > 0 {
		h.add(fmt.Sprintf("%d uncorrected ECC errors since the driver loaded", n))
	}
	if st, r := d.GetRetiredPagesPendingStatus(); h.optional("retired pages", r) && st == nvml.FEATURE_ENABLED {
		h.add("retired pages pending (reset needed)")
	}
	if _, _, pending, failed, r := d.GetRemappedRows(); h.optional("remapped rows", r) {
		if failed {
			h.add("row remapping failed (the GPU needs service)")
		} else if pending {
			h.add("row remapping pending (reset needed)")
		}
	}
	if reasons, r := d.GetCurrentClocksEventReasons(); h.optional("clock event reasons", r) {
		for _, t := range hwThrottles {
			if reasons&t.bit != 0 {
				g.Throttle = append(g.Throttle, t.name)
			}
		}
	}
	g.Healthy = len(h.problems) == 0
	g.Problem = strings.Join(h.problems, "; ")
	return g
}
