package telecom

// Tool descriptions and parameter schemas, as tau2 builds them from the
// toolkits' docstrings and signatures: the docstring's short description,
// plus "\n\n" and the long description when there is one, and pydantic's
// model_json_schema() of the "parameters" model built from the signature.

const (
	descGetCustomerByPhone           = "Finds a customer by their primary contact or line phone number."
	paramsGetCustomerByPhone         = `{"properties":{"phone_number":{"description":"The phone number to search for.","title":"Phone Number","type":"string"}},"required":["phone_number"],"title":"parameters","type":"object"}`
	descGetCustomerByID              = "Retrieves a customer directly by their unique ID."
	paramsGetCustomerByID            = `{"properties":{"customer_id":{"description":"The unique identifier of the customer.","title":"Customer Id","type":"string"}},"required":["customer_id"],"title":"parameters","type":"object"}`
	descGetCustomerByName            = "Searches for customers by name and DOB. May return multiple matches if names are similar,\n\nDOB helps disambiguate."
	paramsGetCustomerByName          = `{"properties":{"full_name":{"description":"The full name of the customer.","title":"Full Name","type":"string"},"dob":{"description":"Date of birth for verification, in the format YYYY-MM-DD.","title":"Dob","type":"string"}},"required":["full_name","dob"],"title":"parameters","type":"object"}`
	descGetDetailsByID               = "Retrieves the details for a given ID.\n\nThe ID must be a valid ID for a Customer, Line, Device, Bill, or Plan."
	paramsGetDetailsByID             = `{"properties":{"id":{"description":"The ID of the object to retrieve.","title":"Id","type":"string"}},"required":["id"],"title":"parameters","type":"object"}`
	descSuspendLine                  = "Suspends a specific line (max 6 months).\n\nChecks: Line status must be Active.\nLogic: Sets line status to Suspended, records suspension_start_date."
	paramsSuspendLine                = `{"properties":{"customer_id":{"description":"ID of the customer who owns the line.","title":"Customer Id","type":"string"},"line_id":{"description":"ID of the line to suspend.","title":"Line Id","type":"string"},"reason":{"description":"Reason for suspension.","title":"Reason","type":"string"}},"required":["customer_id","line_id","reason"],"title":"parameters","type":"object"}`
	descResumeLine                   = "Resumes a suspended line.\n\nChecks: Line status must be Suspended or Pending Activation.\nLogic: Sets line status to Active, clears suspension_start_date."
	paramsResumeLine                 = `{"properties":{"customer_id":{"description":"ID of the customer who owns the line.","title":"Customer Id","type":"string"},"line_id":{"description":"ID of the line to resume.","title":"Line Id","type":"string"}},"required":["customer_id","line_id"],"title":"parameters","type":"object"}`
	descGetBillsForCustomer          = "Retrieves a list of the customer's bills, most recent first."
	paramsGetBillsForCustomer        = `{"properties":{"customer_id":{"description":"ID of the customer.","title":"Customer Id","type":"string"},"limit":{"default":12,"description":"Maximum number of bills to return.","title":"Limit","type":"integer"}},"required":["customer_id"],"title":"parameters","type":"object"}`
	descSendPaymentRequest           = "Sends a payment request to the customer for a specific bill.\n\nChecks:\n    - Customer exists\n    - Bill exists and belongs to the customer\n    - No other bills are already awaiting payment for this customer\nLogic: Sets bill status to AWAITING_PAYMENT and notifies customer.\nWarning: This method does not check if the bill is already PAID.\nAlways check the bill status before calling this method."
	paramsSendPaymentRequest         = `{"properties":{"customer_id":{"description":"ID of the customer who owns the bill.","title":"Customer Id","type":"string"},"bill_id":{"description":"ID of the bill to send payment request for.","title":"Bill Id","type":"string"}},"required":["customer_id","bill_id"],"title":"parameters","type":"object"}`
	descGetDataUsage                 = "Retrieves current billing cycle data usage for a line, including data\n\nrefueling amount, data limit, and cycle end date."
	paramsGetDataUsage               = `{"properties":{"customer_id":{"description":"ID of the customer who owns the line.","title":"Customer Id","type":"string"},"line_id":{"description":"ID of the line to check usage for.","title":"Line Id","type":"string"}},"required":["customer_id","line_id"],"title":"parameters","type":"object"}`
	descEnableRoaming                = "Enables international roaming on a line."
	paramsEnableRoaming              = `{"properties":{"customer_id":{"description":"ID of the customer who owns the line.","title":"Customer Id","type":"string"},"line_id":{"description":"ID of the line to enable roaming for.","title":"Line Id","type":"string"}},"required":["customer_id","line_id"],"title":"parameters","type":"object"}`
	descDisableRoaming               = "Disables international roaming on a line."
	paramsDisableRoaming             = `{"properties":{"customer_id":{"description":"ID of the customer who owns the line.","title":"Customer Id","type":"string"},"line_id":{"description":"ID of the line to disable roaming for.","title":"Line Id","type":"string"}},"required":["customer_id","line_id"],"title":"parameters","type":"object"}`
	descTransferToHumanAgents        = "Transfer the user to a human agent, with a summary of the user's issue.\n\nOnly transfer if\n -  the user explicitly asks for a human agent\n -  given the policy and the available tools, you cannot solve the user's issue."
	paramsTransferToHumanAgents      = `{"properties":{"summary":{"description":"A summary of the user's issue.","title":"Summary","type":"string"}},"required":["summary"],"title":"parameters","type":"object"}`
	descRefuelData                   = "Refuels data for a specific line, adding to the customer's bill.\n\nChecks: Line status must be Active, Customer owns the line.\nLogic: Adds data to the line and charges customer based on the plan's refueling rate."
	paramsRefuelData                 = `{"properties":{"customer_id":{"description":"ID of the customer who owns the line.","title":"Customer Id","type":"string"},"line_id":{"description":"ID of the line to refuel data for.","title":"Line Id","type":"string"},"gb_amount":{"description":"Amount of data to add in gigabytes.","title":"Gb Amount","type":"number"}},"required":["customer_id","line_id","gb_amount"],"title":"parameters","type":"object"}`
	descCheckStatusBar               = "Shows what icons are currently visible in your phone's status bar (the area at the top of the screen). Displays network signal strength, mobile data status (enabled, disabled, data saver), Wi-Fi status, and battery level."
	paramsCheckStatusBar             = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckNetworkStatus           = "Checks your phone's connection status to cellular networks and Wi-Fi. Shows airplane mode status, signal strength, network type, whether mobile data is enabled, and whether data roaming is enabled."
	paramsCheckNetworkStatus         = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckNetworkModePreference   = "Shows the current network mode preference."
	paramsCheckNetworkModePreference = `{"properties":{},"title":"parameters","type":"object"}`
	descSetNetworkModePreference     = "Changes the type of cellular network your phone prefers to connect to (e.g., 5G, LTE/4G, 3G). Higher-speed networks (LTE/5G) provide faster data but may use more battery."
	paramsSetNetworkModePreference   = `{"$defs":{"NetworkModePreference":{"enum":["4g_5g_preferred","4g_only","3g_only","2g_only"],"title":"NetworkModePreference","type":"string"}},"properties":{"mode":{"anyOf":[{"$ref":"#/$defs/NetworkModePreference"},{"type":"string"}],"title":"Mode"}},"required":["mode"],"title":"parameters","type":"object"}`
	descRunSpeedTest                 = "Measures your current internet connection speed (download speed). Provides information about connection quality and what activities it can support."
	paramsRunSpeedTest               = `{"properties":{},"title":"parameters","type":"object"}`
	descToggleAirplaneMode           = "Toggles Airplane Mode ON or OFF. When ON, it disconnects all wireless communications including cellular, Wi-Fi, and Bluetooth.\n\nReturns the new state of airplane_mode."
	paramsToggleAirplaneMode         = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckSimStatus               = "Checks if your SIM card is working correctly and displays its current status. Shows if the SIM is active, missing, or locked with a PIN or PUK code."
	paramsCheckSimStatus             = `{"properties":{},"title":"parameters","type":"object"}`
	descReseatSimCard                = "Simulates removing and reinserting your SIM card. This can help resolve recognition issues."
	paramsReseatSimCard              = `{"properties":{},"title":"parameters","type":"object"}`
	descToggleData                   = "Toggles your phone's mobile data connection ON or OFF. Controls whether your phone can use cellular data for internet access when Wi-Fi is unavailable.\n\nReturns the new data connection status."
	paramsToggleData                 = `{"properties":{},"title":"parameters","type":"object"}`
	descToggleRoaming                = "Toggles Data Roaming ON or OFF. When ON, your phone can use data networks in areas outside your carrier's coverage.\n\nReturns the new data roaming status."
	paramsToggleRoaming              = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckDataRestrictionStatus   = "Checks if your phone has any data-limiting features active. Shows if Data Saver mode is on."
	paramsCheckDataRestrictionStatus = `{"properties":{},"title":"parameters","type":"object"}`
	descToggleDataSaverMode          = "Toggles Data Saver mode ON or OFF. When ON, it reduces data usage, which may affect data speed.\n\nReturns the new data saver mode status."
	paramsToggleDataSaverMode        = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckApnSettings             = "Checks the technical APN settings your phone uses to connect to your carrier's mobile data network. Shows current APN name and MMSC URL for picture messaging."
	paramsCheckApnSettings           = `{"properties":{},"title":"parameters","type":"object"}`
	descSetApnSettings               = "Sets the APN settings for the phone."
	paramsSetApnSettings             = `{"$defs":{"APNNames":{"enum":["internet","broken"],"title":"APNNames","type":"string"},"APNSettings":{"additionalProperties":false,"description":"Represents the configuration for a single Access Point Name (APN).","properties":{"apn_name":{"$ref":"#/$defs/APNNames","default":"internet","description":"The name identifier for the APN connection."},"reset_at_reboot":{"default":false,"description":"Whether the APN settings will be reset at the next reboot.","title":"Reset At Reboot","type":"boolean"},"mms_apn":{"anyOf":[{"type":"string"},{"type":"null"}],"default":"mms","description":"Specific APN name used for MMS traffic, if different from general data.","title":"Mms Apn"},"mmsc_url":{"anyOf":[{"type":"string"},{"type":"null"}],"default":"http://mms.carrier.com/mms/wapenc","description":"The URL of the Multimedia Messaging Service Center (MMSC). Crucial for MMS.","title":"Mmsc Url"},"mms_proxy":{"anyOf":[{"type":"string"},{"type":"null"}],"default":null,"description":"The proxy server address required for MMS traffic on some networks.","title":"Mms Proxy"},"mms_port":{"anyOf":[{"type":"integer"},{"type":"null"}],"default":null,"description":"The proxy server port required for MMS traffic on some networks.","title":"Mms Port"}},"title":"APNSettings","type":"object"}},"properties":{"apn_settings":{"anyOf":[{"$ref":"#/$defs/APNSettings"},{"additionalProperties":true,"type":"object"}],"title":"Apn Settings"}},"required":["apn_settings"],"title":"parameters","type":"object"}`
	descResetApnSettings             = "Resets your APN settings to the default settings."
	paramsResetApnSettings           = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckWifiStatus              = "Checks your Wi-Fi connection status. Shows if Wi-Fi is turned on, which network you're connected to (if any), and the signal strength."
	paramsCheckWifiStatus            = `{"properties":{},"title":"parameters","type":"object"}`
	descToggleWifi                   = "Toggles your phone's Wi-Fi radio ON or OFF. Controls whether your phone can discover and connect to wireless networks for internet access.\n\nReturns the new Wi-Fi status."
	paramsToggleWifi                 = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckWifiCallingStatus       = "Checks if Wi-Fi Calling is enabled on your device. This feature allows you to make and receive calls over a Wi-Fi network instead of using the cellular network."
	paramsCheckWifiCallingStatus     = `{"properties":{},"title":"parameters","type":"object"}`
	descToggleWifiCalling            = "Toggles Wi-Fi Calling ON or OFF. This feature allows you to make and receive calls over Wi-Fi instead of the cellular network, which can help in areas with weak cellular signal.\n\nReturns the new Wi-Fi Calling status."
	paramsToggleWifiCalling          = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckVpnStatus               = "Checks if you're using a VPN (Virtual Private Network) connection. Shows if a VPN is active, connected, and displays any available connection details."
	paramsCheckVpnStatus             = `{"properties":{},"title":"parameters","type":"object"}`
	descConnectVpn                   = "Connects to your VPN (Virtual Private Network)."
	paramsConnectVpn                 = `{"properties":{},"title":"parameters","type":"object"}`
	descDisconnectVpn                = "Disconnects any active VPN (Virtual Private Network) connection. Stops routing your internet traffic through a VPN server, which might affect connection speed or access to content."
	paramsDisconnectVpn              = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckInstalledApps           = "Returns the name of all installed apps on the phone."
	paramsCheckInstalledApps         = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckAppStatus               = "Checks detailed information about a specific app. Shows its permissions and background data usage settings."
	paramsCheckAppStatus             = `{"properties":{"app_name":{"title":"App Name","type":"string"}},"required":["app_name"],"title":"parameters","type":"object"}`
	descCheckAppPermissions          = "Checks what permissions a specific app currently has. Shows if the app has access to features like storage, camera, location, etc."
	paramsCheckAppPermissions        = `{"properties":{"app_name":{"title":"App Name","type":"string"}},"required":["app_name"],"title":"parameters","type":"object"}`
	descGrantAppPermission           = "Gives a specific permission to an app (like access to storage, camera, or location). Required for some app functions to work properly."
	paramsGrantAppPermission         = `{"properties":{"app_name":{"description":"The name of the app to grant the permission to.","title":"App Name","type":"string"},"permission":{"description":"The permission to grant, should be lowercase.","title":"Permission","type":"string"}},"required":["app_name","permission"],"title":"parameters","type":"object"}`
	descCanSendMms                   = "Checks if the default messaging app can send MMS messages."
	paramsCanSendMms                 = `{"properties":{},"title":"parameters","type":"object"}`
	descRebootDevice                 = "Restarts your phone completely. This can help resolve many temporary software glitches by refreshing all running services and connections."
	paramsRebootDevice               = `{"properties":{},"title":"parameters","type":"object"}`
	descCheckPaymentRequest          = "Checks if the agent has sent you a payment request."
	paramsCheckPaymentRequest        = `{"properties":{},"title":"parameters","type":"object"}`
	descMakePayment                  = "Makes a payment for the bill that the agent has sent you."
	paramsMakePayment                = `{"properties":{},"title":"parameters","type":"object"}`
)
