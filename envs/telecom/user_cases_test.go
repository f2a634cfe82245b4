package telecom

// Expected outputs of the user tools (TelecomUserTools), one case per branch
// of tau2's user_tools.py; each comment names the Python branch exercised.

func userCases() []toolCase {
	return []toolCase{
		// _check_status_bar: signal, technology, data enabled, battery
		{name: "status bar", req: user, tool: "check_status_bar", args: "{}",
			want: "Status Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// _check_status_bar: airplane mode takes precedence
		{name: "status bar airplane", setup: []step{fn(user, "turn_airplane_mode_on", "{}")}, req: user, tool: "check_status_bar", args: "{}",
			want: "Status Bar: ✈️ Airplane Mode | 🔋 80%", isErr: false},
		// _check_status_bar: no signal, no technology, data disabled
		{name: "status bar no sim", setup: []step{fn(user, "unseat_sim_card", "{}")}, req: user, tool: "check_status_bar", args: "{}",
			want: "Status Bar: 📵 No Signal | 📵 Data Disabled | 🔋 80%", isErr: false},
		// _check_status_bar: data saver and VPN indicators
		{name: "status bar saver vpn", setup: []step{fn(user, "turn_data_saver_mode_on", "{}"), call(user, "connect_vpn", "{}")}, req: user, tool: "check_status_bar", args: "{}",
			want: "Status Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔽 Data Saver | 🔒 VPN Connected | 🔋 80%", isErr: false},
		// check_network_status: Wi-Fi not connected, no SSID line
		{name: "network status", req: user, tool: "check_network_status", args: "{}",
			want: "Airplane Mode: OFF\nSIM Card Status: active\nCellular Connection: connected\nCellular Signal: good\nCellular Network Type: 5G\nMobile Data Enabled: Yes\nData Roaming Enabled: No\nWi-Fi Radio: OFF\nWi-Fi Connected: No", isErr: false},
		// check_network_status: airplane mode ON, no service
		{name: "network status airplane", setup: []step{fn(user, "turn_airplane_mode_on", "{}")}, req: user, tool: "check_network_status", args: "{}",
			want: "Airplane Mode: ON\nSIM Card Status: active\nCellular Connection: no_service\nCellular Signal: none\nCellular Network Type: none\nMobile Data Enabled: Yes\nData Roaming Enabled: No\nWi-Fi Radio: OFF\nWi-Fi Connected: No", isErr: false},
		// check_network_mode_preference
		{name: "mode preference", req: user, tool: "check_network_mode_preference", args: "{}",
			want: "Network Mode Preference: 4g_5g_preferred", isErr: false},
		// check_network_mode_preference: a non-str mode was stored, .value fails
		{name: "mode preference invalid stored", setup: []step{call(user, "set_network_mode_preference", `{"mode": 3}`)}, req: user, tool: "check_network_mode_preference", args: "{}",
			want: "Error: 'int' object has no attribute 'value'", isErr: true},
		// set_network_mode_preference: valid mode triggers a network search
		{name: "set mode", req: user, tool: "set_network_mode_preference", args: `{"mode": "3g_only"}`,
			want: "Preferred Network Mode set to: 3g_only\nStatus Bar: 📶² Fair | 3G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// set_network_mode_preference: invalid str -> failure message
		{name: "set mode invalid", req: user, tool: "set_network_mode_preference", args: `{"mode": "5g_only"}`,
			want: "Failed to set network mode: '5g_only' is not a valid option. Please use one of: 4g_5g_preferred, 4g_only, 3g_only, 2g_only\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// set_network_mode_preference: None is stored and reported invalid
		{name: "set mode none", req: user, tool: "set_network_mode_preference", args: `{"mode": null}`,
			want: "Failed to set network mode: 'None' is not a valid option. Please use one of: 4g_5g_preferred, 4g_only, 3g_only, 2g_only\nStatus Bar: 📶³ Good | 4G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// set_network_mode_preference: non-str -> AttributeError on .value
		{name: "set mode int", req: user, tool: "set_network_mode_preference", args: `{"mode": 2}`,
			want: "Error: 'int' object has no attribute 'value'", isErr: true},
		// run_speed_test: speed None -> failed
		{name: "speed no connection", setup: []step{fn(user, "turn_data_off", "{}")}, req: user, tool: "run_speed_test", args: "{}",
			want: "Speed test failed: No Connection.", isErr: false},
		// run_speed_test: 2G poor signal -> Very Poor
		{name: "speed very poor", setup: []step{call(user, "set_network_mode_preference", `{"mode": "2g_only"}`)}, req: user, tool: "run_speed_test", args: "{}",
			want: "Speed Test Result: 0.05 Mbps (Very Poor). Connection is very slow. Basic web browsing might be difficult.", isErr: false},
		// run_speed_test: 3G fair signal -> Poor
		{name: "speed poor", setup: []step{call(user, "set_network_mode_preference", `{"mode": "3g_only"}`)}, req: user, tool: "run_speed_test", args: "{}",
			want: "Speed Test Result: 1.50 Mbps (Poor). Connection is slow. Web browsing may be sluggish, streaming difficult.", isErr: false},
		// run_speed_test: 4G with data saver -> Fair
		{name: "speed fair", setup: []step{call(user, "set_network_mode_preference", `{"mode": "4g_only"}`), fn(user, "turn_data_saver_mode_on", "{}")}, req: user, tool: "run_speed_test", args: "{}",
			want: "Speed Test Result: 8.80 Mbps (Fair). Connection is okay for web browsing and some standard definition streaming.", isErr: false},
		// run_speed_test: 4G good signal -> Good
		{name: "speed good", setup: []step{call(user, "set_network_mode_preference", `{"mode": "4g_only"}`)}, req: user, tool: "run_speed_test", args: "{}",
			want: "Speed Test Result: 44.00 Mbps (Good). Connection is good for most activities, including HD streaming.", isErr: false},
		// run_speed_test: 5G excellent after a network search
		{name: "speed excellent", setup: []step{fn(user, "simulate_network_search", "{}")}, req: user, tool: "run_speed_test", args: "{}",
			want: "Speed Test Result: 275.00 Mbps (Excellent). Connection is very fast.", isErr: false},
		// run_speed_test: a poor VPN divides the speed by ten
		{name: "speed poor vpn", setup: []step{fn(user, "simulate_network_search", "{}"), fn(user, "break_vpn", "{}")}, req: user, tool: "run_speed_test", args: "{}",
			want: "Speed Test Result: 27.50 Mbps (Good). Connection is good for most activities, including HD streaming.", isErr: false},
		// toggle_airplane_mode: turning ON
		{name: "airplane on", req: user, tool: "toggle_airplane_mode", args: "{}",
			want: "Airplane Mode is now ON.\nStatus Bar: ✈️ Airplane Mode | 🔋 80%", isErr: false},
		// toggle_airplane_mode: turning OFF searches again
		{name: "airplane off", setup: []step{fn(user, "turn_airplane_mode_on", "{}")}, req: user, tool: "toggle_airplane_mode", args: "{}",
			want: "Airplane Mode is now OFF.\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// check_sim_status: active
		{name: "sim active", req: user, tool: "check_sim_status", args: "{}",
			want: "Your SIM card is active and working.", isErr: false},
		// check_sim_status: missing
		{name: "sim missing", setup: []step{fn(user, "unseat_sim_card", "{}")}, req: user, tool: "check_sim_status", args: "{}",
			want: "No SIM card detected in the phone.", isErr: false},
		// check_sim_status: locked_pin
		{name: "sim pin", setup: []step{fn(user, "lock_sim_card", `{"mode": "pin"}`)}, req: user, tool: "check_sim_status", args: "{}",
			want: "The SIM card is locked with a PIN code.", isErr: false},
		// check_sim_status: locked_puk
		{name: "sim puk", setup: []step{fn(user, "lock_sim_card", `{"mode": "puk"}`)}, req: user, tool: "check_sim_status", args: "{}",
			want: "The SIM card is locked with a PUK code.", isErr: false},
		// reseat_sim_card: SIM back, network found
		{name: "reseat sim", setup: []step{fn(user, "unseat_sim_card", "{}")}, req: user, tool: "reseat_sim_card", args: "{}",
			want: "SIM card re-seated successfully.\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// reseat_sim_card: a locked SIM stays without service
		{name: "reseat locked sim", setup: []step{fn(user, "lock_sim_card", `{"mode": "pin"}`)}, req: user, tool: "reseat_sim_card", args: "{}",
			want: "SIM card re-seated successfully.\nStatus Bar: 📵 No Signal | 📵 Data Disabled | 🔋 80%", isErr: false},
		// toggle_data: OFF
		{name: "data off", req: user, tool: "toggle_data", args: "{}",
			want: "Mobile Data is now OFF.\nStatus Bar: 📶⁴ Excellent | 5G | 📵 Data Disabled | 🔋 80%", isErr: false},
		// toggle_data: ON
		{name: "data on", setup: []step{fn(user, "turn_data_off", "{}")}, req: user, tool: "toggle_data", args: "{}",
			want: "Mobile Data is now ON.\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// toggle_roaming: ON
		{name: "roaming on", req: user, tool: "toggle_roaming", args: "{}",
			want: "Data Roaming is now ON.\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// toggle_roaming: OFF
		{name: "roaming off", setup: []step{fn(user, "turn_roaming_on", "{}")}, req: user, tool: "toggle_roaming", args: "{}",
			want: "Data Roaming is now OFF.\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// check_data_restriction_status: OFF
		{name: "restriction off", req: user, tool: "check_data_restriction_status", args: "{}",
			want: "Data Saver mode is OFF.", isErr: false},
		// check_data_restriction_status: ON
		{name: "restriction on", setup: []step{fn(user, "turn_data_saver_mode_on", "{}")}, req: user, tool: "check_data_restriction_status", args: "{}",
			want: "Data Saver mode is ON (limits data usage).", isErr: false},
		// toggle_data_saver_mode: ON (no network search)
		{name: "saver on", req: user, tool: "toggle_data_saver_mode", args: "{}",
			want: "Data Saver Mode is now ON.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔽 Data Saver | 🔋 80%", isErr: false},
		// toggle_data_saver_mode: OFF
		{name: "saver off", setup: []step{fn(user, "turn_data_saver_mode_on", "{}")}, req: user, tool: "toggle_data_saver_mode", args: "{}",
			want: "Data Saver Mode is now OFF.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// check_apn_settings: defaults
		{name: "apn", req: user, tool: "check_apn_settings", args: "{}",
			want: "Current APN Name: internet\nMMSC URL (for picture messages): http://mms.carrier.com/mms/wapenc\n(These are technical settings, usually best left unchanged.)", isErr: false},
		// check_apn_settings: mmsc_url None -> Not Set
		{name: "apn mms broken", setup: []step{fn(user, "break_apn_mms_setting", "{}")}, req: user, tool: "check_apn_settings", args: "{}",
			want: "Current APN Name: internet\nMMSC URL (for picture messages): Not Set\n(These are technical settings, usually best left unchanged.)", isErr: false},
		// set_apn_settings: dict validated into APNSettings
		{name: "set apn", req: user, tool: "set_apn_settings", args: `{"apn_settings": {"apn_name": "internet", "mmsc_url": "http://mms.example/mms", "reset_at_reboot": "yes", "mms_port": "8080"}}`,
			want: "APN settings set to: internet\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// set_apn_settings: broken APN -> no service
		{name: "set apn broken", req: user, tool: "set_apn_settings", args: `{"apn_settings": {"apn_name": "broken"}}`,
			want: "APN settings set to: broken\nStatus Bar: 📵 No Signal | 📵 Data Disabled | 🔋 80%", isErr: false},
		// set_apn_settings: pydantic enum error
		{name: "set apn enum error", req: user, tool: "set_apn_settings", args: `{"apn_settings": {"apn_name": "INTERNET"}}`,
			want: "Error: 1 validation error for APNSettings\napn_name\n  Input should be 'internet' or 'broken' [type=enum, input_value='INTERNET', input_type=str]\n    For further information visit https://errors.pydantic.dev/2.12/v/enum", isErr: true},
		// set_apn_settings: several pydantic errors, fields then extras
		{name: "set apn errors", req: user, tool: "set_apn_settings", args: `{"apn_settings": {"zz": [1, "a"], "reset_at_reboot": "maybe", "mms_apn": 5, "mms_port": 1.5, "apn_name": null}}`,
			want: "Error: 5 validation errors for APNSettings\napn_name\n  Input should be 'internet' or 'broken' [type=enum, input_value=None, input_type=NoneType]\n    For further information visit https://errors.pydantic.dev/2.12/v/enum\nreset_at_reboot\n  Input should be a valid boolean, unable to interpret input [type=bool_parsing, input_value='maybe', input_type=str]\n    For further information visit https://errors.pydantic.dev/2.12/v/bool_parsing\nmms_apn\n  Input should be a valid string [type=string_type, input_value=5, input_type=int]\n    For further information visit https://errors.pydantic.dev/2.12/v/string_type\nmms_port\n  Input should be a valid integer, got a number with a fractional part [type=int_from_float, input_value=1.5, input_type=float]\n    For further information visit https://errors.pydantic.dev/2.12/v/int_from_float\nzz\n  Extra inputs are not permitted [type=extra_forbidden, input_value=[1, 'a'], input_type=list]\n    For further information visit https://errors.pydantic.dev/2.12/v/extra_forbidden", isErr: true},
		// set_apn_settings: long input_value repr is truncated
		{name: "set apn long input", req: user, tool: "set_apn_settings", args: `{"apn_settings": {"mms_proxy": ["xxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxxx"]}}`,
			want: "Error: 1 validation error for APNSettings\nmms_proxy\n  Input should be a valid string [type=string_type, input_value=['xxxxxxxxxxxxxxxxxxxxxxx...xxxxxxxxxxxxxxxxxxxxxx'], input_type=list]\n    For further information visit https://errors.pydantic.dev/2.12/v/string_type", isErr: true},
		// set_apn_settings: a str is not converted, .apn_name fails
		{name: "set apn not dict", req: user, tool: "set_apn_settings", args: `{"apn_settings": "internet"}`,
			want: "Error: 'str' object has no attribute 'apn_name'", isErr: true},
		// reset_apn_settings: reset scheduled for the next reboot
		{name: "reset apn", setup: []step{fn(user, "break_apn_settings", "{}")}, req: user, tool: "reset_apn_settings", args: "{}",
			want: "APN settings will reset at reboot.\nStatus Bar: 📵 No Signal | 📵 Data Disabled | 🔋 80%", isErr: false},
		// check_wifi_status: OFF
		{name: "wifi off", req: user, tool: "check_wifi_status", args: "{}",
			want: "Wi-Fi is turned OFF.", isErr: false},
		// check_wifi_status: ON, not connected
		{name: "wifi on", setup: []step{call(user, "toggle_wifi", "{}")}, req: user, tool: "check_wifi_status", args: "{}",
			want: "Wi-Fi is ON but not connected to any network.", isErr: false},
		// toggle_wifi: ON
		{name: "toggle wifi on", req: user, tool: "toggle_wifi", args: "{}",
			want: "Wi-Fi is now ON.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// toggle_wifi: OFF clears the connection
		{name: "toggle wifi off", setup: []step{call(user, "toggle_wifi", "{}")}, req: user, tool: "toggle_wifi", args: "{}",
			want: "Wi-Fi is now OFF.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// toggle_wifi: blocked in airplane mode
		{name: "toggle wifi airplane", setup: []step{fn(user, "turn_airplane_mode_on", "{}")}, req: user, tool: "toggle_wifi", args: "{}",
			want: "Cannot change Wi-Fi settings while Airplane Mode is ON.\nStatus Bar: ✈️ Airplane Mode | 🔋 80%", isErr: false},
		// check_wifi_calling_status: OFF
		{name: "wifi calling off", req: user, tool: "check_wifi_calling_status", args: "{}",
			want: "Wi-Fi Calling is currently turned OFF.", isErr: false},
		// check_wifi_calling_status: ON
		{name: "wifi calling on", setup: []step{fn(user, "set_wifi_calling", `{"enabled": true}`)}, req: user, tool: "check_wifi_calling_status", args: "{}",
			want: "Wi-Fi Calling is currently turned ON.", isErr: false},
		// toggle_wifi_calling: ON
		{name: "toggle wifi calling", req: user, tool: "toggle_wifi_calling", args: "{}",
			want: "Wi-Fi Calling is now ON.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// check_vpn_status: OFF
		{name: "vpn off", req: user, tool: "check_vpn_status", args: "{}",
			want: "VPN is turned OFF.", isErr: false},
		// check_vpn_status: details dict repr with the enum repr
		{name: "vpn connected", setup: []step{call(user, "connect_vpn", "{}")}, req: user, tool: "check_vpn_status", args: "{}",
			want: "VPN is ON and connected. Details: {'server_address': '192.168.1.1', 'protocol': 'OpenVPN', 'server_performance': <PerformanceLevel.EXCELLENT: 'excellent'>}", isErr: false},
		// check_vpn_status: break_vpn degraded the details
		{name: "vpn broken", setup: []step{fn(user, "break_vpn", "{}")}, req: user, tool: "check_vpn_status", args: "{}",
			want: "VPN is ON and connected. Details: {'server_address': '192.168.1.1', 'protocol': 'OpenVPN', 'server_performance': <PerformanceLevel.POOR: 'poor'>}", isErr: false},
		// connect_vpn: the shared default details stay poor
		{name: "vpn reconnect after break", setup: []step{fn(user, "break_vpn", "{}"), call(user, "disconnect_vpn", "{}"), call(user, "connect_vpn", "{}")}, req: user, tool: "check_vpn_status", args: "{}",
			want: "VPN is ON and connected. Details: {'server_address': '192.168.1.1', 'protocol': 'OpenVPN', 'server_performance': <PerformanceLevel.POOR: 'poor'>}", isErr: false},
		// connect_vpn: connected
		{name: "connect vpn", req: user, tool: "connect_vpn", args: "{}",
			want: "VPN connected successfully.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔒 VPN Connected | 🔋 80%", isErr: false},
		// connect_vpn: already connected (no status bar)
		{name: "connect vpn again", setup: []step{call(user, "connect_vpn", "{}")}, req: user, tool: "connect_vpn", args: "{}",
			want: "VPN already connected.", isErr: false},
		// disconnect_vpn: disconnected
		{name: "disconnect vpn", setup: []step{call(user, "connect_vpn", "{}")}, req: user, tool: "disconnect_vpn", args: "{}",
			want: "VPN disconnected successfully.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// disconnect_vpn: nothing to disconnect
		{name: "disconnect no vpn", req: user, tool: "disconnect_vpn", args: "{}",
			want: "No active VPN connection to disconnect.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// check_installed_apps
		{name: "installed apps", req: user, tool: "check_installed_apps", args: "{}",
			want: "The following apps are installed on the phone: messaging, browser", isErr: false},
		// check_app_status: permissions granted
		{name: "app status", req: user, tool: "check_app_status", args: `{"app_name": "messaging"}`,
			want: "Status for App: messaging\n - Permissions Granted:\n   - sms\n   - storage\n   - phone", isErr: false},
		// check_app_status: none granted
		{name: "app status none", setup: []step{fn(user, "remove_app_permission", `{"app_name": "browser", "permission": "network"}`), fn(user, "remove_app_permission", `{"app_name": "browser", "permission": "storage"}`)}, req: user, tool: "check_app_status", args: `{"app_name": "browser"}`,
			want: "Status for App: browser\n - Permissions: None granted.", isErr: false},
		// check_app_status: app not found
		{name: "app status missing", req: user, tool: "check_app_status", args: `{"app_name": "camera"}`,
			want: "App 'camera' not found on this phone.", isErr: false},
		// check_app_permissions: granted list
		{name: "app permissions", req: user, tool: "check_app_permissions", args: `{"app_name": "browser"}`,
			want: "App 'browser' has permission for: storage, network.", isErr: false},
		// check_app_permissions: no permissions
		{name: "app permissions none", setup: []step{fn(user, "remove_app_permission", `{"app_name": "browser", "permission": "network"}`), fn(user, "remove_app_permission", `{"app_name": "browser", "permission": "storage"}`)}, req: user, tool: "check_app_permissions", args: `{"app_name": "browser"}`,
			want: "App 'browser' currently has no permissions granted.", isErr: false},
		// check_app_permissions: app not found
		{name: "app permissions missing", req: user, tool: "check_app_permissions", args: `{"app_name": "camera"}`,
			want: "App 'camera' not found on this phone.", isErr: false},
		// grant_app_permission: lowercased permission granted
		{name: "grant", setup: []step{fn(user, "remove_app_permission", `{"app_name": "messaging", "permission": "sms"}`)}, req: user, tool: "grant_app_permission", args: `{"app_name": "messaging", "permission": "SMS"}`,
			want: "Success. Permission 'sms' granted to app 'messaging'.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// grant_app_permission: permission not tracked, lists the model's fields
		{name: "grant untracked", req: user, tool: "grant_app_permission", args: `{"app_name": "messaging", "permission": "Camera"}`,
			want: "Error. Permission 'camera' not tracked for app 'messaging', available permissions: ['sms', 'storage', 'phone', 'network']\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// grant_app_permission: app not found
		{name: "grant no app", req: user, tool: "grant_app_permission", args: `{"app_name": "camera", "permission": "storage"}`,
			want: "Error. App 'camera' not found. Cannot grant permission.\nStatus Bar: 📶³ Good | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// can_send_mms: True
		{name: "mms ok", req: user, tool: "can_send_mms", args: "{}",
			want: "Your messaging app can send MMS messages.", isErr: false},
		// can_send_mms: False on 2G
		{name: "mms 2g", setup: []step{call(user, "set_network_mode_preference", `{"mode": "2g_only"}`)}, req: user, tool: "can_send_mms", args: "{}",
			want: "Your messaging app cannot send MMS messages.", isErr: false},
		// reboot_device: restarts network services
		{name: "reboot", req: user, tool: "reboot_device", args: "{}",
			want: "Restarting network services...\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// reboot_device: APN reset pending -> default APN restored
		{name: "reboot apn reset", setup: []step{fn(user, "break_apn_settings", "{}"), call(user, "reset_apn_settings", "{}")}, req: user, tool: "reboot_device", args: "{}",
			want: "Resetting APN settings...\nRestarting network services...\nStatus Bar: 📶⁴ Excellent | 5G | 📱 Data Enabled | 🔋 80%", isErr: false},
		// check_payment_request: none
		{name: "payment request none", req: user, tool: "check_payment_request", args: "{}",
			want: "No payment request has been made.", isErr: false},
		// check_payment_request: sync raised it from the awaiting bill
		{name: "payment request", setup: []step{fn(user, "set_user_info", `{"name": "John Smith", "phone_number": "555-123-2002"}`), call(asst, "send_payment_request", `{"customer_id": "C1001", "bill_id": "B1002"}`)}, req: user, tool: "check_payment_request", args: "{}",
			want: "You have a payment request for bill B1002 of 150.0 USD.", isErr: false},
		// make_payment: no request
		{name: "make payment none", req: user, tool: "make_payment", args: "{}",
			want: "You do not have a payment request.", isErr: false},
		// make_payment: request paid
		{name: "make payment", setup: []step{fn(user, "set_user_info", `{"name": "John Smith", "phone_number": "555-123-2002"}`), call(asst, "send_payment_request", `{"customer_id": "C1001", "bill_id": "B1002"}`)}, req: user, tool: "make_payment", args: "{}",
			want: "Payment of 150.0 USD has been made for bill B1002.", isErr: false},
		// sync_tools: a paid request marks its bill paid
		{name: "bill paid after payment", setup: []step{fn(user, "set_user_info", `{"name": "John Smith", "phone_number": "555-123-2002"}`), call(asst, "send_payment_request", `{"customer_id": "C1001", "bill_id": "B1002"}`), call(user, "make_payment", "{}")}, req: asst, tool: "get_details_by_id", args: `{"id": "B1002"}`,
			want: `{"bill_id": "B1002", "customer_id": "C1001", "period_start": "2025-02-01", "period_end": "2025-02-28", "issue_date": "2025-02-05", "total_due": 150.0, "due_date": "2025-02-19", "line_items": [{"description": "Basic Plan - Line 555-123-2001", "amount": 40.0, "date": "2025-02-05", "item_type": "Plan Charge"}, {"description": "Premium Plan - Line 555-123-2002", "amount": 65.0, "date": "2025-02-05", "item_type": "Plan Charge"}, {"description": "Basic Plan - Line 555-123-2003", "amount": 40.0, "date": "2025-02-05", "item_type": "Plan Charge"}, {"description": "Suspension Fee - Line 555-123-2003", "amount": 5.0, "date": "2025-02-05", "item_type": "Fee"}], "status": "Paid"}`, isErr: false},
		// use_user_tool: agent tools are not user tools
		{name: "agent tool from user", req: user, tool: "get_customer_by_id", args: `{"customer_id": "C1001"}`,
			want: "Error: Tool 'get_customer_by_id' not found.", isErr: true},
		// Python TypeError for an unexpected argument
		{name: "user tool bad argument", req: user, tool: "toggle_data", args: `{"on": true}`,
			want: "Error: TelecomUserTools.toggle_data() got an unexpected keyword argument 'on'", isErr: true},
	}
}
