package telecom

import (
	"strings"

	"github.com/eigendata/eigendata/envs/pyjson"
)

// The phone simulation of TelecomUserTools: private helpers shared by the
// user tools and the scenario functions.

func (s *State) phone() *PhoneDevice { return &s.User.Device }

// simStatus is _check_sim_status.
func (s *State) simStatus() SimStatus {
	if s.phone().SimCardMissing {
		return SimMissing
	}
	return s.phone().SimCardStatus
}

// simulateNetworkSearch is simulate_network_search: it reconnects according
// to the SIM, the mode preference and the signal where the user is.
func (s *State) simulateNetworkSearch() {
	d := s.phone()
	noService := func() {
		d.NetworkConnectionStatus = StatusNoService
		d.NetworkTechnologyConnected = TechNone
		d.NetworkSignalStrength = SignalNone
	}
	if s.simStatus() == SimActive {
		d.NetworkConnectionStatus = StatusConnected
		tech := Tech4G
		switch d.NetworkModePreference {
		case Mode4G5GPreferred:
			if s.User.Surroundings.signal(Tech5G) != SignalNone {
				tech = Tech5G
			}
		case Mode3GOnly:
			tech = Tech3G
		case Mode2GOnly:
			tech = Tech2G
		}
		d.NetworkTechnologyConnected = tech
		d.NetworkSignalStrength = s.User.Surroundings.signal(tech)
	} else {
		noService()
	}
	if d.AirplaneMode || d.ActiveAPNSettings.APNName == APNBroken || !s.User.Surroundings.LineActive {
		noService()
	}
}

// statusBar is _check_status_bar.
func (s *State) statusBar() string {
	d := s.phone()
	var ind []string
	if d.AirplaneMode {
		ind = append(ind, "✈️ Airplane Mode")
	} else {
		ind = append(ind, signalIcon(d.NetworkSignalStrength))
		if d.NetworkTechnologyConnected != TechNone {
			ind = append(ind, string(d.NetworkTechnologyConnected))
		}
		if d.DataEnabled && d.NetworkTechnologyConnected != TechNone {
			ind = append(ind, "📱 Data Enabled")
			if d.DataSaverMode {
				ind = append(ind, "🔽 Data Saver")
			}
		} else {
			ind = append(ind, "📵 Data Disabled")
		}
	}
	if d.WifiEnabled && d.WifiConnected {
		if d.WifiSSID != nil && *d.WifiSSID != "" {
			ind = append(ind, "📡 Connected to "+*d.WifiSSID)
		} else {
			ind = append(ind, "📡 Enabled")
		}
	}
	if d.VPNConnected {
		ind = append(ind, "🔒 VPN Connected")
	}
	ind = append(ind, "🔋 "+pyInt(d.BatteryLevel)+"%")
	return strings.Join(ind, " | ")
}

// withStatusBar appends the status bar line most user tools end with.
func (s *State) withStatusBar(msg string) string {
	return msg + "\nStatus Bar: " + s.statusBar()
}

func signalIcon(sig SignalStrength) string {
	switch sig {
	case SignalPoor:
		return "📶¹ Poor"
	case SignalFair:
		return "📶² Fair"
	case SignalGood:
		return "📶³ Good"
	case SignalExcellent:
		return "📶⁴ Excellent"
	}
	return "📵 No Signal"
}

// mobileDataWorking is _get_mobile_data_working.
func (s *State) mobileDataWorking() bool {
	d, sur := s.phone(), &s.User.Surroundings
	switch {
	case d.AirplaneMode || d.NetworkSignalStrength == SignalNone:
		return false
	case d.NetworkConnectionStatus == StatusNoService:
		return false
	case sur.IsAbroad && (!d.RoamingEnabled || !sur.RoamingAllowed):
		return false
	case !d.DataEnabled:
		return false
	case sur.MobileDataUsageExceeded:
		return false
	}
	return true
}

// speedTest is _run_speed_test: ok is false (speed None) without mobile data.
func (s *State) speedTest() (speed float64, desc string, ok bool) {
	if !s.mobileDataWorking() {
		return 0, "No Connection", false
	}
	d := s.phone()
	base := 1.0
	if d.VPNConnected && d.VPNDetails != nil && d.VPNDetails.ServerPerformance == PerfPoor {
		base = 0.1
	}
	if d.DataSaverMode {
		base = float64(base * 0.2)
	}
	var lo, hi float64
	switch d.NetworkTechnologyConnected {
	case Tech2G:
		lo, hi = 0.1, 0.4
	case Tech3G:
		lo, hi = 1.0, 5.0
	case Tech4G:
		lo, hi = 10.0, 100.0
	case Tech5G:
		lo, hi = 50.0, 500.0
	}
	var factor float64
	switch d.NetworkSignalStrength {
	case SignalPoor:
		factor = 0.2
	case SignalFair:
		factor = 0.5
	case SignalGood:
		factor = 0.8
	case SignalExcellent:
		factor = 1.0
	}
	// (min + max) / 2.0 * signal_factor * base_speed_factor, left to right.
	speed = float64(float64(float64(float64(lo+hi)/2.0)*factor) * base)
	speed = pyjson.Round(speed, 2)
	switch {
	case speed < 1:
		desc = "Very Poor"
	case speed < 5:
		desc = "Poor"
	case speed < 25:
		desc = "Fair"
	case speed < 100:
		desc = "Good"
	default:
		desc = "Excellent"
	}
	return speed, desc, true
}

// canSendMMS is _can_send_mms.
func (s *State) canSendMMS() bool {
	d := s.phone()
	if !s.mobileDataWorking() || d.NetworkTechnologyConnected == Tech2G {
		return false
	}
	if d.WifiCallingEnabled && d.WifiCallingMMSOverWifi {
		return false
	}
	if d.ActiveAPNSettings.MMSCURL == nil {
		return false
	}
	app, ok := d.AppStatuses.Get("messaging")
	return ok && app.Permissions.Storage && app.Permissions.SMS
}

// toggleAirplaneMode is _toggle_airplane_mode; it returns the new state.
func (s *State) toggleAirplaneMode() bool {
	d := s.phone()
	wasOn := d.AirplaneMode
	d.AirplaneMode = !wasOn
	if wasOn {
		d.NetworkConnectionStatus = StatusSearching
		if d.WifiEnabled {
			s.dropWifi()
		}
	} else {
		s.dropWifi()
		if d.VPNConnected {
			s.disconnectVPN()
		}
	}
	s.simulateNetworkSearch()
	return d.AirplaneMode
}

// dropWifi clears the Wi-Fi connection.
func (s *State) dropWifi() {
	d := s.phone()
	d.WifiConnected = false
	d.WifiSSID = nil
	d.WifiSignalStrength = SignalNone
}

// toggleData is _toggle_data.
func (s *State) toggleData() bool {
	d := s.phone()
	d.DataEnabled = !d.DataEnabled
	s.simulateNetworkSearch()
	return d.DataEnabled
}

// toggleRoaming is _toggle_roaming.
func (s *State) toggleRoaming() bool {
	d := s.phone()
	d.RoamingEnabled = !d.RoamingEnabled
	s.simulateNetworkSearch()
	return d.RoamingEnabled
}

// toggleDataSaver is _toggle_data_saver_mode.
func (s *State) toggleDataSaver() bool {
	d := s.phone()
	d.DataSaverMode = !d.DataSaverMode
	return d.DataSaverMode
}

// toggleWifiCalling is _toggle_wifi_calling.
func (s *State) toggleWifiCalling() bool {
	d := s.phone()
	d.WifiCallingEnabled = !d.WifiCallingEnabled
	return d.WifiCallingEnabled
}

// connectVPN is _connect_vpn: false when already connected.
func (s *State) connectVPN() bool {
	d := s.phone()
	if d.VPNConnected {
		return false
	}
	perf := PerfExcellent
	if s.vpn.Poor {
		perf = PerfPoor
	}
	s.vpn.Shared = true
	d.VPNConnected = true
	d.VPNDetails = &VPNDetails{ServerAddress: ptr("192.168.1.1"), Protocol: ptr("OpenVPN"), ServerPerformance: perf}
	return true
}

// disconnectVPN is _disconnect_vpn: false when there was no connection.
func (s *State) disconnectVPN() bool {
	d := s.phone()
	if !d.VPNConnected {
		return false
	}
	d.VPNConnected = false
	d.VPNDetails = nil
	s.vpn.Shared = false
	return true
}

// setPermission sets an app permission; ok is false when the app or the
// permission is unknown.
func (s *State) setPermission(app, perm string, v bool) (found, ok bool) {
	st, found := s.phone().AppStatuses.Get(app)
	if !found {
		return false, false
	}
	f := st.Permissions.field(perm)
	if f == nil {
		return true, false
	}
	*f = v
	s.phone().AppStatuses.Set(app, st)
	return true, true
}
