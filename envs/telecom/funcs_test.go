package telecom

import (
	"encoding/json"
	"reflect"
	"testing"
)

// TestFuncs checks the non-tool functions tasks call by name (tau2's
// run_env_function_call): return values and Python exception messages.
func TestFuncs(t *testing.T) {
	info := fn(user, "set_user_info", `{"name": "John Smith", "phone_number": "555-123-2002"}`)
	overdue := fn(asst, "suspend_line_for_overdue_bill", `{"customer_id": "C1001", "line_id": "L1002", "new_bill_id": "B1234321", "contract_ended": true}`)
	cases := []struct {
		name    string
		setup   []step
		side    string
		fn      string
		args    string
		want    any
		wantErr string
	}{
		// get_available_plan_ids: list of plan ids in DB order
		{name: "plan ids", side: "assistant", fn: "get_available_plan_ids", args: `{}`, want: []string{"P1001", "P1002", "P1003", "P1004", "P1005"}},
		// set_data_usage: an int argument prints as an int
		{name: "set data usage int", side: "assistant", fn: "set_data_usage", args: `{"customer_id": "C1001", "line_id": "L1002", "data_used_gb": 15}`, want: "Data usage set to 15 GB for line L1002"},
		{name: "set data usage float", side: "assistant", fn: "set_data_usage", args: `{"customer_id": "C1001", "line_id": "L1002", "data_used_gb": 15.0}`, want: "Data usage set to 15.0 GB for line L1002"},
		// set_data_usage: _get_target_line raises
		{name: "set data usage foreign line", side: "assistant", fn: "set_data_usage", args: `{"customer_id": "C1001", "line_id": "L1009", "data_used_gb": 1}`, wantErr: "Line L1009 not found for customer C1001"},
		{name: "set data usage missing arg", side: "assistant", fn: "set_data_usage", args: `{"customer_id": "C1001", "line_id": "L1002"}`, wantErr: "TelecomTools.set_data_usage() missing 1 required positional argument: 'data_used_gb'"},
		// suspend_line_for_overdue_bill: success and each raise
		{name: "overdue", side: "assistant", fn: "suspend_line_for_overdue_bill", args: `{"customer_id": "C1001", "line_id": "L1002", "new_bill_id": "B1234321", "contract_ended": true}`, want: "Line L1002 suspended for unpaid bill B1234321. Contract ended: True"},
		{name: "overdue line not active", side: "assistant", fn: "suspend_line_for_overdue_bill", args: `{"customer_id": "C1001", "line_id": "L1003", "new_bill_id": "B2", "contract_ended": false}`, wantErr: "Line must be active to suspend for unpaid bill"},
		{name: "overdue exists", side: "assistant", fn: "suspend_line_for_overdue_bill", args: `{"customer_id": "C1002", "line_id": "L1004", "new_bill_id": "B77", "contract_ended": false}`, wantErr: "Customer already has an overdue bill"},
		{name: "overdue no line", side: "assistant", fn: "suspend_line_for_overdue_bill", args: `{"customer_id": "C1001", "line_id": "L9", "new_bill_id": "B79", "contract_ended": false}`, wantErr: "Line with ID L9 not found"},
		{name: "overdue no customer", side: "assistant", fn: "suspend_line_for_overdue_bill", args: `{"customer_id": "C9", "line_id": "L1001", "new_bill_id": "B79", "contract_ended": false}`, wantErr: "Customer with ID C9 not found"},
		// assert_overdue_bill_exists: True or raise
		{name: "overdue bill exists", setup: []step{overdue}, side: "assistant", fn: "assert_overdue_bill_exists", args: `{"customer_id": "C1001", "overdue_bill_id": "B1234321"}`, want: true},
		{name: "overdue bill not overdue", side: "assistant", fn: "assert_overdue_bill_exists", args: `{"customer_id": "C1001", "overdue_bill_id": "B1002"}`, wantErr: "Overdue bill B1002 is not overdue"},
		{name: "overdue bill not the customer's", side: "assistant", fn: "assert_overdue_bill_exists", args: `{"customer_id": "C1001", "overdue_bill_id": "B1005"}`, wantErr: "Overdue bill B1005 not found"},
		// assert_no_overdue_bill: unpaid, paid, absent
		{name: "no overdue bill unpaid", setup: []step{overdue}, side: "assistant", fn: "assert_no_overdue_bill", args: `{"overdue_bill_id": "B1234321"}`, want: false},
		{name: "no overdue bill paid", side: "assistant", fn: "assert_no_overdue_bill", args: `{"overdue_bill_id": "B1001"}`, want: true},
		{name: "no overdue bill absent", side: "assistant", fn: "assert_no_overdue_bill", args: `{"overdue_bill_id": "Bnope"}`, want: true},
		{name: "line status", setup: []step{overdue}, side: "assistant", fn: "assert_line_status", args: `{"customer_id": "C1001", "line_id": "L1002", "expected_status": "Suspended"}`, want: true},
		{name: "refueling amount", side: "assistant", fn: "assert_data_refueling_amount", args: `{"customer_id": "C1001", "line_id": "L1002", "expected_amount": 0}`, want: true},
		{name: "refueling amount differs", side: "assistant", fn: "assert_data_refueling_amount", args: `{"customer_id": "C1001", "line_id": "L1002", "expected_amount": 1.0}`, want: false},
		// user side
		{name: "user info", side: "user", fn: "set_user_info", args: `{"name": "John Smith", "phone_number": "555-123-2002"}`, want: nil},
		// sync_tools: _get_line_by_phone raises for an unknown number
		{name: "user info unknown phone", side: "user", fn: "set_user_info", args: `{"name": "X", "phone_number": "555-999-9999"}`, wantErr: "Line with phone number 555-999-9999 not found"},
		{name: "lock sim other mode", side: "user", fn: "lock_sim_card", args: `{"mode": "foo"}`, want: "SIM card locked successfully in foo mode."},
		{name: "wifi calling", side: "user", fn: "set_wifi_calling", args: `{"enabled": true, "mms_over_wifi": true}`, want: "Wi-Fi Calling is now ON.\nMMS over Wi-Fi is now ON."},
		{name: "wifi calling no mms", side: "user", fn: "set_wifi_calling", args: `{"enabled": false}`, want: "Wi-Fi Calling is now OFF."},
		{name: "remove permission", side: "user", fn: "remove_app_permission", args: `{"app_name": "browser", "permission": "NETWORK"}`, want: []any{true, "Permission 'network' removed from app 'browser'."}},
		{name: "remove untracked permission", side: "user", fn: "remove_app_permission", args: `{"app_name": "browser", "permission": "camera"}`, want: []any{false, "Permission 'camera' not tracked for app 'browser'."}},
		{name: "remove permission no app", side: "user", fn: "remove_app_permission", args: `{"app_name": "nope", "permission": "sms"}`, want: []any{false, "App 'nope' not found. Cannot remove permission."}},
		{name: "break vpn", side: "user", fn: "break_vpn", args: `{}`, want: "VPN connection broken."},
		{name: "break apn", side: "user", fn: "break_apn_settings", args: `{}`, want: "APN settings broken. Please call reset_apn_settings() to fix."},
		{name: "turn airplane on twice", setup: []step{fn(user, "turn_airplane_mode_on", `{}`)}, side: "user", fn: "turn_airplane_mode_on", args: `{}`, want: "Airplane Mode is now ON."},
		// assertions: Python == between a bool and the argument
		{name: "data status", side: "user", fn: "assert_mobile_data_status", args: `{"expected_status": true}`, want: true},
		{name: "data status int", side: "user", fn: "assert_mobile_data_status", args: `{"expected_status": 1}`, want: true},
		{name: "data status str", side: "user", fn: "assert_mobile_data_status", args: `{"expected_status": "True"}`, want: false},
		{name: "service status", setup: []step{fn(user, "unseat_sim_card", `{}`)}, side: "user", fn: "assert_service_status", args: `{"expected_status": "no_service"}`, want: true},
		// assert_service_status: NetworkStatus(value) raises ValueError
		{name: "service status invalid", side: "user", fn: "assert_service_status", args: `{"expected_status": "bogus"}`, wantErr: "'bogus' is not a valid NetworkStatus"},
		{name: "speed", side: "user", fn: "assert_internet_speed", args: `{"expected_speed": 200, "expected_desc": "EXCELLENT"}`, want: true},
		{name: "speed too fast", side: "user", fn: "assert_internet_speed", args: `{"expected_speed": 500, "expected_desc": "excellent"}`, want: false},
		{name: "speed no connection", setup: []step{fn(user, "turn_data_off", `{}`)}, side: "user", fn: "assert_internet_speed", args: `{"expected_speed": 0}`, want: true},
		{name: "speed str", side: "user", fn: "assert_internet_speed", args: `{"expected_speed": "1"}`, wantErr: "'>=' not supported between instances of 'float' and 'str'"},
		{name: "speed desc int", side: "user", fn: "assert_internet_speed", args: `{"expected_speed": 1, "expected_desc": 5}`, wantErr: "'int' object has no attribute 'lower'"},
		{name: "not excellent", setup: []step{info, fn(asst, "set_data_usage", `{"customer_id": "C1001", "line_id": "L1002", "data_used_gb": 15.1}`)}, side: "user", fn: "assert_internet_not_excellent", args: `{}`, want: true},
		{name: "usage exceeded", setup: []step{info, fn(asst, "set_data_usage", `{"customer_id": "C1001", "line_id": "L1002", "data_used_gb": 15.1}`)}, side: "user", fn: "assert_mobile_data_usage_exceeded", args: `{"expected_status": true}`, want: true},
		{name: "unknown function", side: "user", fn: "no_such_function", args: `{}`, wantErr: "Function no_such_function not found in user tools"},
	}
	d := testDomain(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			env := d.NewEnv()
			for _, s := range c.setup {
				s.apply(t, env)
			}
			side := asst
			if c.side == "user" {
				side = user
			}
			got, err := env.RunFunc(side, c.fn, json.RawMessage(c.args))
			if c.wantErr != "" {
				if err == nil || err.Error() != c.wantErr {
					t.Fatalf("error = %v, want %q", err, c.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, c.want) {
				t.Fatalf("got %#v, want %#v", got, c.want)
			}
		})
	}
}

// TestTaskFunctionsExist checks that every function a task names exists on
// the side it is called on.
func TestTaskFunctionsExist(t *testing.T) {
	d, tasks := goldTasks(t)
	has := func(side string, name string) bool {
		kit := d.Agent
		if side == "user" {
			kit = d.UserTools
		}
		if _, ok := kit.Tool(name); ok {
			return true
		}
		_, ok := kit.Funcs[name]
		return ok
	}
	for _, task := range tasks {
		for _, a := range task.InitialState.InitializationActions {
			if !has(string(a.EnvType), a.FuncName) {
				t.Errorf("%s: missing %s function %s", task.ID, a.EnvType, a.FuncName)
			}
		}
		for _, a := range task.EvaluationCriteria.EnvAssertions {
			if !has(string(a.EnvType), a.FuncName) {
				t.Errorf("%s: missing %s assertion %s", task.ID, a.EnvType, a.FuncName)
			}
		}
	}
}
