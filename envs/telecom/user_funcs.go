package telecom

import (
	"encoding/json"
	"errors"
	"fmt"

	"github.com/eigendata/eigendata/envs"
)

// Non-tool methods of TelecomUserTools that tasks call by name: scenario
// setup ("break" functions) and assertions.

type userInfoArgs struct {
	Name        string `json:"name"`
	PhoneNumber string `json:"phone_number"`
}

type locationArgs struct {
	Abroad bool `json:"abroad"`
}

type lockArgs struct {
	Mode string `json:"mode"`
}

type wifiCallingArgs struct {
	Enabled     bool  `json:"enabled"`
	MMSOverWifi *bool `json:"mms_over_wifi"`
}

type expectedArgs struct {
	ExpectedStatus json.RawMessage `json:"expected_status"`
}

type speedArgs struct {
	ExpectedSpeed Number          `json:"expected_speed"`
	ExpectedDesc  json.RawMessage `json:"expected_desc"`
}

// userFuncs returns the user-side functions and their signatures.
func userFuncs() (map[string]envs.Func, map[string]envs.Signature) {
	plain := func(fn func(*State) (any, error)) envs.Func {
		return envs.Bind(func(s *State, _ noArgs) (any, error) { return fn(s) })
	}
	funcs := map[string]envs.Func{
		"set_user_info":                        envs.Bind(setUserInfo),
		"set_user_location":                    envs.Bind(setUserLocation),
		"turn_airplane_mode_on":                plain(turnAirplaneModeOn),
		"turn_airplane_mode_off":               plain(turnAirplaneModeOff),
		"unseat_sim_card":                      plain(unseatSimCard),
		"lock_sim_card":                        envs.Bind(lockSimCard),
		"turn_data_on":                         plain(turnDataOn),
		"turn_data_off":                        plain(turnDataOff),
		"turn_roaming_on":                      plain(turnRoamingOn),
		"turn_roaming_off":                     plain(turnRoamingOff),
		"turn_data_saver_mode_on":              plain(turnDataSaverModeOn),
		"turn_data_saver_mode_off":             plain(turnDataSaverModeOff),
		"break_apn_settings":                   plain(breakAPNSettings),
		"break_apn_mms_setting":                plain(breakAPNMMSSetting),
		"set_wifi_calling":                     envs.Bind(setWifiCalling),
		"break_vpn":                            plain(breakVPN),
		"remove_app_permission":                envs.Bind(removeAppPermission),
		"simulate_network_search":              plain(func(s *State) (any, error) { s.simulateNetworkSearch(); return nil, nil }),
		"assert_airplane_mode_status":          envs.Bind(expectBool(func(s *State) bool { return s.phone().AirplaneMode })),
		"assert_service_status":                envs.Bind(assertServiceStatus),
		"assert_mobile_data_status":            envs.Bind(expectBool((*State).mobileDataWorking)),
		"assert_mobile_roaming_status":         envs.Bind(expectBool(func(s *State) bool { return s.phone().RoamingEnabled })),
		"assert_mobile_data_saver_mode_status": envs.Bind(expectBool(func(s *State) bool { return s.phone().DataSaverMode })),
		"assert_internet_speed":                envs.Bind(assertInternetSpeed),
		"assert_internet_not_excellent":        plain(assertInternetNotExcellent),
		"assert_can_send_mms":                  envs.Bind(expectBool((*State).canSendMMS)),
		"assert_mobile_data_usage_exceeded":    envs.Bind(expectBool(func(s *State) bool { return s.User.Surroundings.MobileDataUsageExceeded })),
	}
	sigs := map[string]envs.Signature{
		"set_user_info":         sig("name", "phone_number"),
		"set_user_location":     sig("abroad"),
		"lock_sim_card":         sig("mode"),
		"set_wifi_calling":      sig("enabled", "?", "mms_over_wifi"),
		"remove_app_permission": sig("app_name", "permission"),
		"assert_internet_speed": sig("expected_speed", "?", "expected_desc"),
	}
	for name := range funcs {
		if _, ok := sigs[name]; ok {
			continue
		}
		switch name {
		case "assert_airplane_mode_status", "assert_service_status", "assert_mobile_data_status", "assert_mobile_roaming_status",
			"assert_mobile_data_saver_mode_status", "assert_can_send_mms", "assert_mobile_data_usage_exceeded":
			sigs[name] = sig("expected_status")
		default:
			sigs[name] = sig()
		}
	}
	return funcs, sigs
}

func setUserInfo(s *State, a userInfoArgs) (any, error) {
	s.User.Surroundings.Name = ptr(a.Name)
	s.User.Surroundings.PhoneNumber = ptr(a.PhoneNumber)
	return nil, nil
}

func setUserLocation(s *State, a locationArgs) (any, error) {
	s.User.Surroundings.IsAbroad = a.Abroad
	return nil, nil
}

func turnAirplaneModeOn(s *State) (any, error) {
	if !s.toggleAirplaneMode() {
		s.toggleAirplaneMode()
	}
	return "Airplane Mode is now ON.", nil
}

func turnAirplaneModeOff(s *State) (any, error) {
	if s.toggleAirplaneMode() {
		s.toggleAirplaneMode()
	}
	return "Airplane Mode is now OFF.", nil
}

func unseatSimCard(s *State) (any, error) {
	s.phone().SimCardMissing = true
	s.simulateNetworkSearch()
	return "SIM card un-seated successfully.", nil
}

func lockSimCard(s *State, a lockArgs) (any, error) {
	switch a.Mode {
	case "pin":
		s.phone().SimCardStatus = SimLockedPIN
	case "puk":
		s.phone().SimCardStatus = SimLockedPUK
	}
	s.simulateNetworkSearch()
	return fmt.Sprintf("SIM card locked successfully in %s mode.", a.Mode), nil
}

func turnDataOn(s *State) (any, error) {
	s.phone().DataEnabled = true
	return "Data connection restored.", nil
}

func turnDataOff(s *State) (any, error) {
	if s.toggleData() {
		s.toggleData()
	}
	return "Data connection broken.", nil
}

func turnRoamingOn(s *State) (any, error) {
	if !s.toggleRoaming() {
		s.toggleRoaming()
	}
	return "Data Roaming is now ON.", nil
}

func turnRoamingOff(s *State) (any, error) {
	if s.toggleRoaming() {
		s.toggleRoaming()
	}
	return "Data Roaming is now OFF.", nil
}

func turnDataSaverModeOn(s *State) (any, error) {
	if !s.toggleDataSaver() {
		s.toggleDataSaver()
	}
	return "Data Saver Mode is now ON.", nil
}

func turnDataSaverModeOff(s *State) (any, error) {
	if s.toggleDataSaver() {
		s.toggleDataSaver()
	}
	return "Data Saver Mode is now OFF.", nil
}

func breakAPNSettings(s *State) (any, error) {
	s.phone().ActiveAPNSettings.APNName = APNBroken
	s.simulateNetworkSearch()
	return "APN settings broken. Please call reset_apn_settings() to fix.", nil
}

func breakAPNMMSSetting(s *State) (any, error) {
	s.phone().ActiveAPNSettings.MMSCURL = nil
	return "APN MMS setting broken. Please call reset_apn_settings() to fix.", nil
}

func setWifiCalling(s *State, a wifiCallingArgs) (any, error) {
	d := s.phone()
	if d.WifiCallingEnabled != a.Enabled {
		s.toggleWifiCalling()
	}
	msg := "Wi-Fi Calling is now " + onOff(a.Enabled) + "."
	if a.MMSOverWifi != nil {
		d.WifiCallingMMSOverWifi = *a.MMSOverWifi
		msg += "\nMMS over Wi-Fi is now " + onOff(*a.MMSOverWifi) + "."
	}
	return msg, nil
}

func breakVPN(s *State) (any, error) {
	d := s.phone()
	s.connectVPN()
	if d.VPNDetails == nil {
		return nil, errors.New("'NoneType' object has no attribute 'server_performance'")
	}
	d.VPNDetails.ServerPerformance = PerfPoor
	if s.vpn.Shared {
		// The details are tau2's shared default object: degrading them
		// degrades every later connect_vpn.
		s.vpn.Poor = true
	}
	return "VPN connection broken.", nil
}

func removeAppPermission(s *State, a permissionArgs) (any, error) {
	perm := pyLower(a.Permission)
	switch found, ok := s.setPermission(a.AppName, perm, false); {
	case !found:
		return []any{false, fmt.Sprintf("App '%s' not found. Cannot remove permission.", a.AppName)}, nil
	case !ok:
		return []any{false, fmt.Sprintf("Permission '%s' not tracked for app '%s'.", perm, a.AppName)}, nil
	}
	return []any{true, fmt.Sprintf("Permission '%s' removed from app '%s'.", perm, a.AppName)}, nil
}

// expectBool builds an assertion comparing a device fact with the
// expected_status argument, with Python's == (True == 1, never a str).
func expectBool(fact func(*State) bool) func(*State, expectedArgs) (any, error) {
	return func(s *State, a expectedArgs) (any, error) {
		return pyEqualsBool(fact(s), a.ExpectedStatus), nil
	}
}

// pyEqualsBool is Python's b == v for a JSON value v.
func pyEqualsBool(b bool, raw json.RawMessage) bool {
	v, err := pyValue(raw)
	if err != nil {
		return false
	}
	want := 0.0
	if b {
		want = 1
	}
	switch x := v.(type) {
	case bool:
		return x == b
	case json.Number:
		f, err := x.Float64()
		return err == nil && f == want
	}
	return false
}

func assertServiceStatus(s *State, a expectedArgs) (any, error) {
	v, err := pyValue(a.ExpectedStatus)
	if err != nil {
		return nil, fmt.Errorf("invalid arguments: %w", err)
	}
	str, isStr := v.(string)
	switch NetworkStatus(str) {
	case StatusConnected, StatusSearching, StatusNoService, StatusEmergencyOnly:
		if isStr {
			return s.phone().NetworkConnectionStatus == NetworkStatus(str), nil
		}
	}
	return nil, fmt.Errorf("%s is not a valid NetworkStatus", pyRepr(v))
}

func assertInternetSpeed(s *State, a speedArgs) (any, error) {
	speed, desc, _ := s.speedTest()
	if !a.ExpectedSpeed.IsNumber() {
		return nil, compareTypeError(">=", "float", a.ExpectedSpeed.PyType())
	}
	want, err := pyValue(a.ExpectedDesc)
	if len(a.ExpectedDesc) == 0 {
		want, err = nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("invalid arguments: %w", err)
	}
	fast := speed >= a.ExpectedSpeed.V
	if want == nil || !fast {
		return fast, nil
	}
	w, ok := want.(string)
	if !ok {
		return nil, fmt.Errorf("'%s' object has no attribute 'lower'", pyTypeName(want))
	}
	return pyLower(desc) == pyLower(w), nil
}

func assertInternetNotExcellent(s *State) (any, error) {
	_, desc, _ := s.speedTest()
	return pyLower(desc) != "excellent", nil
}
