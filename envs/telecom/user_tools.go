package telecom

import (
	"encoding/json"
	"fmt"
	"strconv"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/pyjson"
)

// User tools: tau2's TelecomUserTools, the actions a user takes on their
// own phone, in declaration order.

type modeArgs struct {
	Mode json.RawMessage `json:"mode"`
}

type apnArgs struct {
	APNSettings json.RawMessage `json:"apn_settings"`
}

type appArgs struct {
	AppName string `json:"app_name"`
}

type permissionArgs struct {
	AppName    string `json:"app_name"`
	Permission string `json:"permission"`
}

// userTool wraps a tool without arguments.
func userTool(fn func(*State) string) envs.Func {
	return envs.Bind(func(s *State, _ noArgs) (any, error) { return fn(s), nil })
}

func userTools() []*envs.Tool {
	return []*envs.Tool{
		envs.NewTool("check_status_bar", envs.Read, descCheckStatusBar, paramsCheckStatusBar, userTool(checkStatusBar)),
		envs.NewTool("check_network_status", envs.Read, descCheckNetworkStatus, paramsCheckNetworkStatus, userTool(checkNetworkStatus)),
		envs.NewTool("check_network_mode_preference", envs.Read, descCheckNetworkModePreference, paramsCheckNetworkModePreference, envs.Bind(checkNetworkModePreference)),
		envs.NewTool("set_network_mode_preference", envs.Write, descSetNetworkModePreference, paramsSetNetworkModePreference, envs.Bind(setNetworkModePreference)),
		envs.NewTool("run_speed_test", envs.Read, descRunSpeedTest, paramsRunSpeedTest, userTool(runSpeedTest)),
		envs.NewTool("toggle_airplane_mode", envs.Write, descToggleAirplaneMode, paramsToggleAirplaneMode, userTool(toggleAirplaneMode)),
		envs.NewTool("check_sim_status", envs.Read, descCheckSimStatus, paramsCheckSimStatus, userTool(checkSimStatus)),
		envs.NewTool("reseat_sim_card", envs.Write, descReseatSimCard, paramsReseatSimCard, userTool(reseatSimCard)),
		envs.NewTool("toggle_data", envs.Write, descToggleData, paramsToggleData, userTool(toggleData)),
		envs.NewTool("toggle_roaming", envs.Write, descToggleRoaming, paramsToggleRoaming, userTool(toggleRoaming)),
		envs.NewTool("check_data_restriction_status", envs.Read, descCheckDataRestrictionStatus, paramsCheckDataRestrictionStatus, userTool(checkDataRestrictionStatus)),
		envs.NewTool("toggle_data_saver_mode", envs.Write, descToggleDataSaverMode, paramsToggleDataSaverMode, userTool(toggleDataSaverMode)),
		envs.NewTool("check_apn_settings", envs.Read, descCheckApnSettings, paramsCheckApnSettings, userTool(checkAPNSettings)),
		envs.NewTool("set_apn_settings", envs.Write, descSetApnSettings, paramsSetApnSettings, envs.Bind(setAPNSettings)),
		envs.NewTool("reset_apn_settings", envs.Write, descResetApnSettings, paramsResetApnSettings, userTool(resetAPNSettings)),
		envs.NewTool("check_wifi_status", envs.Read, descCheckWifiStatus, paramsCheckWifiStatus, userTool(checkWifiStatus)),
		envs.NewTool("toggle_wifi", envs.Write, descToggleWifi, paramsToggleWifi, userTool(toggleWifi)),
		envs.NewTool("check_wifi_calling_status", envs.Read, descCheckWifiCallingStatus, paramsCheckWifiCallingStatus, userTool(checkWifiCallingStatus)),
		envs.NewTool("toggle_wifi_calling", envs.Write, descToggleWifiCalling, paramsToggleWifiCalling, userTool(toggleWifiCalling)),
		envs.NewTool("check_vpn_status", envs.Read, descCheckVpnStatus, paramsCheckVpnStatus, userTool(checkVPNStatus)),
		envs.NewTool("connect_vpn", envs.Write, descConnectVpn, paramsConnectVpn, userTool(connectVPN)),
		envs.NewTool("disconnect_vpn", envs.Write, descDisconnectVpn, paramsDisconnectVpn, userTool(disconnectVPN)),
		envs.NewTool("check_installed_apps", envs.Read, descCheckInstalledApps, paramsCheckInstalledApps, userTool(checkInstalledApps)),
		envs.NewTool("check_app_status", envs.Read, descCheckAppStatus, paramsCheckAppStatus, envs.Bind(checkAppStatus)),
		envs.NewTool("check_app_permissions", envs.Read, descCheckAppPermissions, paramsCheckAppPermissions, envs.Bind(checkAppPermissions)),
		envs.NewTool("grant_app_permission", envs.Write, descGrantAppPermission, paramsGrantAppPermission, envs.Bind(grantAppPermission)),
		envs.NewTool("can_send_mms", envs.Read, descCanSendMms, paramsCanSendMms, userTool(canSendMMS)),
		envs.NewTool("reboot_device", envs.Write, descRebootDevice, paramsRebootDevice, userTool(rebootDevice)),
		envs.NewTool("check_payment_request", envs.Read, descCheckPaymentRequest, paramsCheckPaymentRequest, userTool(checkPaymentRequest)),
		envs.NewTool("make_payment", envs.Write, descMakePayment, paramsMakePayment, userTool(makePayment)),
	}
}

func onOff(b bool) string {
	if b {
		return "ON"
	}
	return "OFF"
}

func yesNo(b bool) string {
	if b {
		return "Yes"
	}
	return "No"
}

func checkStatusBar(s *State) string { return "Status Bar: " + s.statusBar() }

func checkNetworkStatus(s *State) string {
	d := s.phone()
	lines := []string{
		"Airplane Mode: " + onOff(d.AirplaneMode),
		"SIM Card Status: " + string(s.simStatus()),
		"Cellular Connection: " + string(d.NetworkConnectionStatus),
		"Cellular Signal: " + string(d.NetworkSignalStrength),
		"Cellular Network Type: " + string(d.NetworkTechnologyConnected),
		"Mobile Data Enabled: " + yesNo(d.DataEnabled),
		"Data Roaming Enabled: " + yesNo(d.RoamingEnabled),
		"Wi-Fi Radio: " + onOff(d.WifiEnabled),
		"Wi-Fi Connected: " + yesNo(d.WifiConnected),
	}
	if d.WifiConnected {
		lines = append(lines, "Connected Wi-Fi Network: "+pyOptStr(d.WifiSSID))
	}
	return strings.Join(lines, "\n")
}

// invalidMode marks a network mode preference holding a value that is not
// a str (tau2 stores it unvalidated); the Python type name follows.
const invalidMode = "\x00"

func checkNetworkModePreference(s *State, _ noArgs) (any, error) {
	pref := string(s.phone().NetworkModePreference)
	if t, bad := strings.CutPrefix(pref, invalidMode); bad {
		return nil, fmt.Errorf("'%s' object has no attribute 'value'", t)
	}
	return "Network Mode Preference: " + pref, nil
}

// setMode is _set_network_mode_preference for a string argument; ok is false
// for a value that is not a NetworkModePreference.
func (s *State) setMode(mode string) bool {
	for _, m := range networkModes() {
		if string(m) == mode {
			s.phone().NetworkModePreference = m
			s.simulateNetworkSearch()
			return true
		}
	}
	return false
}

func setNetworkModePreference(s *State, a modeArgs) (any, error) {
	v, err := pyValue(a.Mode)
	if err != nil {
		return nil, fmt.Errorf("invalid arguments: %w", err)
	}
	mode, isStr := v.(string)
	if !isStr {
		// tau2 stores a non-str mode as it is (and the search falls back to
		// 4G); None is then reported as an invalid option, and any other
		// value fails on mode.value.
		s.phone().NetworkModePreference = NetworkModePreference(invalidMode + pyTypeName(v))
		s.simulateNetworkSearch()
		if v != nil {
			return nil, fmt.Errorf("'%s' object has no attribute 'value'", pyTypeName(v))
		}
		mode = "None"
	} else if s.setMode(mode) {
		return s.withStatusBar("Preferred Network Mode set to: " + mode), nil
	}
	modes := networkModes()
	names := make([]string, len(modes))
	for i, m := range modes {
		names[i] = string(m)
	}
	return s.withStatusBar(fmt.Sprintf("Failed to set network mode: '%s' is not a valid option. Please use one of: %s", mode, strings.Join(names, ", "))), nil
}

func runSpeedTest(s *State) string {
	speed, desc, ok := s.speedTest()
	if !ok {
		return "Speed test failed: " + desc + "."
	}
	var advice string
	switch desc {
	case "Very Poor":
		advice = "Connection is very slow. Basic web browsing might be difficult."
	case "Poor":
		advice = "Connection is slow. Web browsing may be sluggish, streaming difficult."
	case "Fair":
		advice = "Connection is okay for web browsing and some standard definition streaming."
	case "Good":
		advice = "Connection is good for most activities, including HD streaming."
	case "Excellent":
		advice = "Connection is very fast."
	}
	return fmt.Sprintf("Speed Test Result: %s Mbps (%s). %s", strconv.FormatFloat(speed, 'f', 2, 64), desc, advice)
}

func toggleAirplaneMode(s *State) string {
	return s.withStatusBar("Airplane Mode is now " + onOff(s.toggleAirplaneMode()) + ".")
}

func checkSimStatus(s *State) string {
	switch st := s.simStatus(); st {
	case SimActive:
		return "Your SIM card is active and working."
	case SimMissing:
		return "No SIM card detected in the phone."
	case SimLockedPIN:
		return "The SIM card is locked with a PIN code."
	case SimLockedPUK:
		return "The SIM card is locked with a PUK code."
	default:
		return "Unknown SIM status: " + string(st)
	}
}

func reseatSimCard(s *State) string {
	s.phone().SimCardMissing = false
	s.simulateNetworkSearch()
	return s.withStatusBar("SIM card re-seated successfully.")
}

func toggleData(s *State) string {
	return s.withStatusBar("Mobile Data is now " + onOff(s.toggleData()) + ".")
}

func toggleRoaming(s *State) string {
	return s.withStatusBar("Data Roaming is now " + onOff(s.toggleRoaming()) + ".")
}

func checkDataRestrictionStatus(s *State) string {
	if s.phone().DataSaverMode {
		return "Data Saver mode is ON (limits data usage)."
	}
	return "Data Saver mode is OFF."
}

func toggleDataSaverMode(s *State) string {
	return s.withStatusBar("Data Saver Mode is now " + onOff(s.toggleDataSaver()) + ".")
}

func checkAPNSettings(s *State) string {
	apn := s.phone().ActiveAPNSettings
	name := string(apn.APNName)
	if name == "" {
		name = "Not Set"
	}
	url := "Not Set"
	if apn.MMSCURL != nil && *apn.MMSCURL != "" {
		url = *apn.MMSCURL
	}
	return fmt.Sprintf("Current APN Name: %s\nMMSC URL (for picture messages): %s\n(These are technical settings, usually best left unchanged.)", name, url)
}

func setAPNSettings(s *State, a apnArgs) (any, error) {
	apn, err := parseAPNSettings(a.APNSettings)
	if err != nil {
		return nil, err
	}
	s.phone().ActiveAPNSettings = apn
	s.simulateNetworkSearch()
	return s.withStatusBar("APN settings set to: " + string(apn.APNName)), nil
}

func resetAPNSettings(s *State) string {
	s.phone().ActiveAPNSettings.ResetAtReboot = true
	s.simulateNetworkSearch()
	return s.withStatusBar("APN settings will reset at reboot.")
}

func checkWifiStatus(s *State) string {
	d := s.phone()
	switch {
	case !d.WifiEnabled:
		return "Wi-Fi is turned OFF."
	case d.WifiConnected:
		return fmt.Sprintf("Wi-Fi is ON and connected to '%s'. Signal strength: %s.", pyOptStr(d.WifiSSID), d.WifiSignalStrength)
	}
	return "Wi-Fi is ON but not connected to any network."
}

func toggleWifi(s *State) string {
	d := s.phone()
	if d.AirplaneMode {
		return s.withStatusBar("Cannot change Wi-Fi settings while Airplane Mode is ON.")
	}
	d.WifiEnabled = !d.WifiEnabled
	if !d.WifiEnabled {
		s.dropWifi()
	}
	return s.withStatusBar("Wi-Fi is now " + onOff(d.WifiEnabled) + ".")
}

func checkWifiCallingStatus(s *State) string {
	return "Wi-Fi Calling is currently turned " + onOff(s.phone().WifiCallingEnabled) + "."
}

func toggleWifiCalling(s *State) string {
	return s.withStatusBar("Wi-Fi Calling is now " + onOff(s.toggleWifiCalling()) + ".")
}

func checkVPNStatus(s *State) string {
	d := s.phone()
	switch {
	case d.VPNConnected && d.VPNDetails != nil:
		v := d.VPNDetails
		// f"{details}" of model_dump(): a dict repr with the enum member's repr.
		return fmt.Sprintf("VPN is ON and connected. Details: {'server_address': %s, 'protocol': %s, 'server_performance': %s}",
			pyOptStrRepr(v.ServerAddress), pyOptStrRepr(v.Protocol), enumRepr("PerformanceLevel", string(v.ServerPerformance)))
	case d.VPNConnected:
		return "VPN is ON and connected (no specific details available)."
	case d.VPNEnabledSetting:
		return "VPN is turned ON in settings, but currently not connected."
	}
	return "VPN is turned OFF."
}

func connectVPN(s *State) string {
	if !s.connectVPN() {
		return "VPN already connected."
	}
	return s.withStatusBar("VPN connected successfully.")
}

func disconnectVPN(s *State) string {
	if s.disconnectVPN() {
		return s.withStatusBar("VPN disconnected successfully.")
	}
	return s.withStatusBar("No active VPN connection to disconnect.")
}

func checkInstalledApps(s *State) string {
	return "The following apps are installed on the phone: " + strings.Join(s.phone().AppStatuses.Keys(), ", ")
}

func checkAppStatus(s *State, a appArgs) (any, error) {
	app, ok := s.phone().AppStatuses.Get(a.AppName)
	if !ok {
		return fmt.Sprintf("App '%s' not found on this phone.", a.AppName), nil
	}
	lines := []string{"Status for App: " + a.AppName}
	perms := app.Permissions.granted()
	if len(perms) == 0 {
		lines = append(lines, " - Permissions: None granted.")
	} else {
		lines = append(lines, " - Permissions Granted:")
		for _, p := range perms {
			lines = append(lines, "   - "+p)
		}
	}
	return strings.Join(lines, "\n"), nil
}

func checkAppPermissions(s *State, a appArgs) (any, error) {
	app, ok := s.phone().AppStatuses.Get(a.AppName)
	if !ok {
		return fmt.Sprintf("App '%s' not found on this phone.", a.AppName), nil
	}
	perms := app.Permissions.granted()
	if len(perms) == 0 {
		return fmt.Sprintf("App '%s' currently has no permissions granted.", a.AppName), nil
	}
	return fmt.Sprintf("App '%s' has permission for: %s.", a.AppName, strings.Join(perms, ", ")), nil
}

func grantAppPermission(s *State, a permissionArgs) (any, error) {
	perm := pyLower(a.Permission)
	var msg string
	switch found, ok := s.setPermission(a.AppName, perm, true); {
	case !found:
		msg = fmt.Sprintf("Error. App '%s' not found. Cannot grant permission.", a.AppName)
	case !ok:
		names := permissionNames()
		msg = fmt.Sprintf("Error. Permission '%s' not tracked for app '%s', available permissions: %s", perm, a.AppName, pyStrList(names[:]))
	default:
		msg = fmt.Sprintf("Success. Permission '%s' granted to app '%s'.", perm, a.AppName)
	}
	return s.withStatusBar(msg), nil
}

func canSendMMS(s *State) string {
	if s.canSendMMS() {
		return "Your messaging app can send MMS messages."
	}
	return "Your messaging app cannot send MMS messages."
}

func rebootDevice(s *State) string {
	d := s.phone()
	var lines []string
	if d.ActiveAPNSettings.ResetAtReboot {
		lines = append(lines, "Resetting APN settings...")
		d.ActiveAPNSettings = defaultAPNSettings()
	}
	lines = append(lines, "Restarting network services...")
	d.NetworkConnectionStatus = StatusSearching
	s.simulateNetworkSearch()
	return s.withStatusBar(strings.Join(lines, "\n"))
}

func checkPaymentRequest(s *State) string {
	p := s.User.Surroundings.PaymentRequest
	if p == nil {
		return "No payment request has been made."
	}
	return fmt.Sprintf("You have a payment request for bill %s of %s USD.", p.BillID, pyjson.FormatFloat(p.AmountDue))
}

func makePayment(s *State) string {
	p := s.User.Surroundings.PaymentRequest
	if p == nil {
		return "You do not have a payment request."
	}
	p.Paid = true
	return fmt.Sprintf("Payment of %s USD has been made for bill %s.", pyjson.FormatFloat(p.AmountDue), p.BillID)
}

// pyLower is str.lower() (ASCII-exact; full Unicode case mapping aside).
func pyLower(s string) string { return strings.ToLower(s) }
