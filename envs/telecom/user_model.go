package telecom

import "github.com/eigendata/eigendata/envs/pyjson"

// Types of the user database (tau2's TelecomUserDB): the user's phone and
// their surroundings.

// SimStatus is tau2's SimStatus enum.
type SimStatus string

// SIM statuses.
const (
	SimActive    SimStatus = "active"
	SimMissing   SimStatus = "missing"
	SimLockedPIN SimStatus = "locked_pin"
	SimLockedPUK SimStatus = "locked_puk"
)

// NetworkTechnology is tau2's NetworkTechnology enum.
type NetworkTechnology string

// Network technologies.
const (
	TechNone NetworkTechnology = "none"
	Tech2G   NetworkTechnology = "2G"
	Tech3G   NetworkTechnology = "3G"
	Tech4G   NetworkTechnology = "4G"
	Tech5G   NetworkTechnology = "5G"
)

// NetworkModePreference is tau2's NetworkModePreference enum.
type NetworkModePreference string

// Network mode preferences, in enum order.
const (
	Mode4G5GPreferred NetworkModePreference = "4g_5g_preferred"
	Mode4GOnly        NetworkModePreference = "4g_only"
	Mode3GOnly        NetworkModePreference = "3g_only"
	Mode2GOnly        NetworkModePreference = "2g_only"
)

// networkModes lists the preferences in enum order.
func networkModes() [4]NetworkModePreference {
	return [4]NetworkModePreference{Mode4G5GPreferred, Mode4GOnly, Mode3GOnly, Mode2GOnly}
}

// SignalStrength is tau2's SignalStrength enum.
type SignalStrength string

// Signal strengths.
const (
	SignalNone      SignalStrength = "none"
	SignalPoor      SignalStrength = "poor"
	SignalFair      SignalStrength = "fair"
	SignalGood      SignalStrength = "good"
	SignalExcellent SignalStrength = "excellent"
)

// PerformanceLevel is tau2's PerformanceLevel enum.
type PerformanceLevel string

// Performance levels.
const (
	PerfUnknown   PerformanceLevel = "unknown"
	PerfPoor      PerformanceLevel = "poor"
	PerfFair      PerformanceLevel = "fair"
	PerfGood      PerformanceLevel = "good"
	PerfExcellent PerformanceLevel = "excellent"
)

// NetworkStatus is tau2's NetworkStatus enum.
type NetworkStatus string

// Network statuses.
const (
	StatusConnected     NetworkStatus = "connected"
	StatusSearching     NetworkStatus = "searching"
	StatusNoService     NetworkStatus = "no_service"
	StatusEmergencyOnly NetworkStatus = "emergency_only"
)

// APNName is tau2's APNNames enum.
type APNName string

// APN names.
const (
	APNInternet APNName = "internet"
	APNBroken   APNName = "broken"
)

// APNSettings is the active Access Point Name configuration.
type APNSettings struct {
	APNName       APNName `json:"apn_name"`
	ResetAtReboot bool    `json:"reset_at_reboot"`
	MMSAPN        *string `json:"mms_apn"`
	MMSCURL       *string `json:"mmsc_url"`
	MMSProxy      *string `json:"mms_proxy"`
	MMSPort       *int64  `json:"mms_port"`
}

// defaultAPNSettings returns APNSettings() with its defaults.
func defaultAPNSettings() APNSettings {
	return APNSettings{APNName: APNInternet, MMSAPN: ptr("mms"), MMSCURL: ptr("http://mms.carrier.com/mms/wapenc")}
}

// VPNDetails describes an active VPN connection.
type VPNDetails struct {
	ServerAddress     *string          `json:"server_address"`
	Protocol          *string          `json:"protocol"`
	ServerPerformance PerformanceLevel `json:"server_performance"`
}

// AppPermissions are the permissions tracked for an app, in model order.
type AppPermissions struct {
	SMS     bool `json:"sms"`
	Storage bool `json:"storage"`
	Phone   bool `json:"phone"`
	Network bool `json:"network"`
}

// permissionNames are AppPermissions' field names in model order.
func permissionNames() [4]string { return [4]string{"sms", "storage", "phone", "network"} }

// field returns a pointer to the named permission, or nil.
func (p *AppPermissions) field(name string) *bool {
	switch name {
	case "sms":
		return &p.SMS
	case "storage":
		return &p.Storage
	case "phone":
		return &p.Phone
	case "network":
		return &p.Network
	}
	return nil
}

// granted lists the granted permissions in model order.
func (p AppPermissions) granted() []string {
	var out []string
	for _, n := range permissionNames() {
		if *p.field(n) {
			out = append(out, n)
		}
	}
	return out
}

// AppStatus is the status of one installed app.
type AppStatus struct {
	AppName     string         `json:"app_name"`
	Permissions AppPermissions `json:"permissions"`
}

// PhoneDevice is the user's phone (tau2's MockPhoneAttributes).
type PhoneDevice struct {
	SimCardStatus              SimStatus                    `json:"sim_card_status"`
	SimCardMissing             bool                         `json:"sim_card_missing"`
	AirplaneMode               bool                         `json:"airplane_mode"`
	NetworkSignalStrength      SignalStrength               `json:"network_signal_strength"`
	NetworkTechnologyConnected NetworkTechnology            `json:"network_technology_connected"`
	NetworkConnectionStatus    NetworkStatus                `json:"network_connection_status"`
	BatteryLevel               int64                        `json:"battery_level"`
	DataEnabled                bool                         `json:"data_enabled"`
	RoamingEnabled             bool                         `json:"roaming_enabled"`
	NetworkModePreference      NetworkModePreference        `json:"network_mode_preference"`
	ActiveAPNSettings          APNSettings                  `json:"active_apn_settings"`
	WifiEnabled                bool                         `json:"wifi_enabled"`
	WifiConnected              bool                         `json:"wifi_connected"`
	WifiSSID                   *string                      `json:"wifi_ssid"`
	WifiSignalStrength         SignalStrength               `json:"wifi_signal_strength"`
	WifiCallingEnabled         bool                         `json:"wifi_calling_enabled"`
	WifiCallingMMSOverWifi     bool                         `json:"wifi_calling_mms_over_wifi"`
	DataSaverMode              bool                         `json:"data_saver_mode"`
	VPNEnabledSetting          bool                         `json:"vpn_enabled_setting"`
	VPNConnected               bool                         `json:"vpn_connected"`
	VPNDetails                 *VPNDetails                  `json:"vpn_details"`
	AppStatuses                pyjson.OrderedMap[AppStatus] `json:"app_statuses"`
}

// defaultPhone returns MockPhoneAttributes() with its defaults.
func defaultPhone() PhoneDevice {
	d := PhoneDevice{
		SimCardStatus:              SimActive,
		NetworkSignalStrength:      SignalGood,
		NetworkTechnologyConnected: Tech5G,
		NetworkConnectionStatus:    StatusConnected,
		BatteryLevel:               80,
		DataEnabled:                true,
		NetworkModePreference:      Mode4G5GPreferred,
		ActiveAPNSettings:          defaultAPNSettings(),
		WifiSignalStrength:         SignalNone,
	}
	d.AppStatuses.Set("messaging", AppStatus{AppName: "messaging", Permissions: AppPermissions{SMS: true, Storage: true, Phone: true}})
	d.AppStatuses.Set("browser", AppStatus{AppName: "browser", Permissions: AppPermissions{Network: true, Storage: true}})
	return d
}

// PaymentRequest is a payment the agent asked the user to make.
type PaymentRequest struct {
	BillID    string  `json:"bill_id"`
	AmountDue float64 `json:"amount_due"`
	Paid      bool    `json:"paid"`
}

// Surroundings is the user's physical situation (tau2's UserSurroundings).
type Surroundings struct {
	Name           *string `json:"name"`
	PhoneNumber    *string `json:"phone_number"`
	IsAbroad       bool    `json:"is_abroad"`
	RoamingAllowed bool    `json:"roaming_allowed"`
	// SignalStrength maps each technology to the signal where the user is;
	// no tool changes it, so clones share it.
	SignalStrength          pyjson.OrderedMap[SignalStrength] `json:"signal_strength"`
	MobileDataUsageExceeded bool                              `json:"mobile_data_usage_exceeded"`
	LineActive              bool                              `json:"line_active"`
	PaymentRequest          *PaymentRequest                   `json:"payment_request"`
}

// defaultSurroundings returns UserSurroundings() with its defaults.
func defaultSurroundings() Surroundings {
	s := Surroundings{LineActive: true}
	s.SignalStrength.Set(string(Tech2G), SignalPoor)
	s.SignalStrength.Set(string(Tech3G), SignalFair)
	s.SignalStrength.Set(string(Tech4G), SignalGood)
	s.SignalStrength.Set(string(Tech5G), SignalExcellent)
	return s
}

// signal returns the surroundings' signal for a technology (none if unset).
func (s *Surroundings) signal(t NetworkTechnology) SignalStrength {
	if v, ok := s.SignalStrength.Get(string(t)); ok {
		return v
	}
	return SignalNone
}

// UserDB is the user database: the phone and the surroundings.
type UserDB struct {
	Device       PhoneDevice  `json:"device"`
	Surroundings Surroundings `json:"surroundings"`
}

// clone deep-copies the parts tools can change.
func (u *UserDB) clone() UserDB {
	c := *u
	c.Device.AppStatuses = u.Device.AppStatuses.Clone()
	if u.Device.VPNDetails != nil {
		v := *u.Device.VPNDetails
		c.Device.VPNDetails = &v
	}
	if u.Surroundings.PaymentRequest != nil {
		p := *u.Surroundings.PaymentRequest
		c.Surroundings.PaymentRequest = &p
	}
	return c
}

func ptr[T any](v T) *T { return &v }
