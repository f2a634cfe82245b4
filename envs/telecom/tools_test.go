package telecom

import (
	"encoding/json"
	"testing"

	"github.com/eigendata/eigendata/envs"
)

func TestAgentTools(t *testing.T) { runToolCases(t, agentCases()) }

func TestUserTools(t *testing.T) { runToolCases(t, userCases()) }

// TestToolkits checks the tool lists, their order, types and mutation flags
// against tau2's decorators, and that every schema parses.
func TestToolkits(t *testing.T) {
	d := testDomain(t)
	type want struct {
		name    string
		typ     envs.ToolType
		mutates bool
	}
	r, w, g := envs.Read, envs.Write, envs.Generic
	agent := []want{
		{"get_customer_by_phone", r, false}, {"get_customer_by_id", r, false}, {"get_customer_by_name", r, false},
		{"get_details_by_id", r, false}, {"suspend_line", w, true}, {"resume_line", w, true},
		{"get_bills_for_customer", r, false}, {"send_payment_request", w, true}, {"get_data_usage", r, false},
		{"enable_roaming", w, true}, {"disable_roaming", w, true}, {"transfer_to_human_agents", g, false},
		{"refuel_data", w, true},
	}
	users := []want{
		{"check_status_bar", r, false}, {"check_network_status", r, false}, {"check_network_mode_preference", r, false},
		{"set_network_mode_preference", w, true}, {"run_speed_test", r, false}, {"toggle_airplane_mode", w, true},
		{"check_sim_status", r, false}, {"reseat_sim_card", w, true}, {"toggle_data", w, true}, {"toggle_roaming", w, true},
		{"check_data_restriction_status", r, false}, {"toggle_data_saver_mode", w, true}, {"check_apn_settings", r, false},
		{"set_apn_settings", w, true}, {"reset_apn_settings", w, true}, {"check_wifi_status", r, false},
		{"toggle_wifi", w, true}, {"check_wifi_calling_status", r, false}, {"toggle_wifi_calling", w, true},
		{"check_vpn_status", r, false}, {"connect_vpn", w, true}, {"disconnect_vpn", w, true},
		{"check_installed_apps", r, false}, {"check_app_status", r, false}, {"check_app_permissions", r, false},
		{"grant_app_permission", w, true}, {"can_send_mms", r, false}, {"reboot_device", w, true},
		{"check_payment_request", r, false}, {"make_payment", w, true},
	}
	for _, kit := range []struct {
		tk   *envs.Toolkit
		want []want
	}{{d.Agent, agent}, {d.UserTools, users}} {
		if len(kit.tk.Tools) != len(kit.want) {
			t.Fatalf("%s: %d tools, want %d", kit.tk.Class, len(kit.tk.Tools), len(kit.want))
		}
		for i, tool := range kit.tk.Tools {
			wt := kit.want[i]
			if tool.Name != wt.name || tool.Type != wt.typ || tool.Mutates != wt.mutates {
				t.Errorf("%s tool %d = %s/%s/%v, want %s/%s/%v", kit.tk.Class, i, tool.Name, tool.Type, tool.Mutates, wt.name, wt.typ, wt.mutates)
			}
			var schema map[string]any
			if err := json.Unmarshal(tool.Parameters, &schema); err != nil || schema["title"] != "parameters" || tool.Description == "" {
				t.Errorf("%s: bad schema or description: %v", tool.Name, err)
			}
		}
	}
	if d.Policy == "" || d.SoloPolicy == "" || d.Name != "telecom" {
		t.Errorf("domain name/policies not set")
	}
}

// TestDescriptions spot-checks descriptions and schemas that exercise tau2's
// docstring parsing (first line short, rest long) and pydantic's schemas.
func TestDescriptions(t *testing.T) {
	d := testDomain(t)
	tools := map[string]*envs.Tool{}
	for _, tk := range []*envs.Toolkit{d.Agent, d.UserTools} {
		for _, tool := range tk.Tools {
			tools[tool.Name] = tool
		}
	}
	cases := []struct{ name, desc, params string }{
		{"get_data_usage", "Retrieves current billing cycle data usage for a line, including data\n\nrefueling amount, data limit, and cycle end date.", ""},
		{"toggle_data", "Toggles your phone's mobile data connection ON or OFF. Controls whether your phone can use cellular data for internet access when Wi-Fi is unavailable.\n\nReturns the new data connection status.", `{"properties":{},"title":"parameters","type":"object"}`},
		{"grant_app_permission", "Gives a specific permission to an app (like access to storage, camera, or location). Required for some app functions to work properly.", ""},
		{"get_bills_for_customer", "", `{"properties":{"customer_id":{"description":"ID of the customer.","title":"Customer Id","type":"string"},"limit":{"default":12,"description":"Maximum number of bills to return.","title":"Limit","type":"integer"}},"required":["customer_id"],"title":"parameters","type":"object"}`},
		{"set_network_mode_preference", "", `{"$defs":{"NetworkModePreference":{"enum":["4g_5g_preferred","4g_only","3g_only","2g_only"],"title":"NetworkModePreference","type":"string"}},"properties":{"mode":{"anyOf":[{"$ref":"#/$defs/NetworkModePreference"},{"type":"string"}],"title":"Mode"}},"required":["mode"],"title":"parameters","type":"object"}`},
		{"check_app_status", "", `{"properties":{"app_name":{"title":"App Name","type":"string"}},"required":["app_name"],"title":"parameters","type":"object"}`},
	}
	for _, c := range cases {
		tool := tools[c.name]
		if c.desc != "" && tool.Description != c.desc {
			t.Errorf("%s description = %q", c.name, tool.Description)
		}
		if c.params != "" && string(tool.Parameters) != c.params {
			t.Errorf("%s parameters = %s", c.name, tool.Parameters)
		}
	}
}
