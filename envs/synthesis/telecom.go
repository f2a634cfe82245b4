package synthesis

import (
	"encoding/json"
	"fmt"
	"slices"
	"sort"
	"strings"

	"github.com/eigendata/eigendata/envs"
	"github.com/eigendata/eigendata/envs/telecom"
)

// Telecom troubleshooting, composed as tau2 composes its telecom tasks
// (src/tau2/domains/telecom/tasks): an issue is a building block with the
// functions that inject it into the initial state and the tool calls that
// fix it (the user's on their phone, the agent's on the account); a task
// takes one resolution path (no service, mobile data, MMS) and 1-3 issues
// of that path from distinct selection sets, and is checked with the
// path's env assertions (service connected; mobile data on at excellent
// speed; MMS sendable) plus each issue's own. Issues the policy cannot fix
// end in a transfer (tau2's expected failures); account requests (suspend
// a line, disable roaming, turn Wi-Fi or the VPN on) cover the remaining
// write tools and are checked against the database.

// TelecomMaxRefuelGB is the most data the telecom policy lets an agent
// refuel at once.
const TelecomMaxRefuelGB = 2.0

// telecomOverdueBill is the bill id tau2's overdue-suspension issue adds.
const telecomOverdueBill = "B1234321"

// Telecom resolution paths.
const (
	pathService = "service"
	pathData    = "mobile_data"
	pathMMS     = "mms"
	pathAccount = "account"
)

// line is a planning unit of the telecom family: an active line, its
// customer and plan.
type line struct {
	customer *telecom.Customer
	line     *telecom.Line
	plan     *telecom.Plan
}

// issue is a telecom building block.
type issue struct {
	name  string
	paths []string
	// set is the selection set: at most one issue of a set per task.
	set string
	// tool is the write tool the issue is about (the refused or
	// transferred one for those).
	tool     string
	allowed  bool
	transfer bool
	single   bool
	// db marks issues no env assertion observes: the task is also
	// checked against the gold database.
	db     bool
	abroad bool
	ok     func(l line) bool
	init   func(l line) []envs.EnvFunctionCall
	reads  func(l line) []envs.Action
	fix    func(l line) []envs.Action
	assert func(l line) []envs.EnvAssertion
	// communicate is what the agent must say.
	communicate func(l line) []string
	why, ask    string
	known       func(l line) string
}

func fn(side envs.Requestor, name string, args map[string]any) envs.EnvFunctionCall {
	if args == nil {
		args = map[string]any{}
	}
	b, _ := json.Marshal(args)
	return envs.EnvFunctionCall{EnvType: side, FuncName: name, Arguments: b}
}

func assertion(side envs.Requestor, name string, args map[string]any) envs.EnvAssertion {
	b, _ := json.Marshal(args)
	return envs.EnvAssertion{EnvType: side, FuncName: name, Arguments: b}
}

func userDo(name string, args map[string]any) envs.Action { return call(envs.User, name, args) }

func agentDo(name string, args map[string]any) envs.Action { return call(envs.Assistant, name, args) }

func lineArgs(l line) map[string]any {
	return map[string]any{"customer_id": l.customer.CustomerID, "line_id": l.line.LineID}
}

func readLine(l line) []envs.Action {
	return []envs.Action{agentDo("get_details_by_id", map[string]any{"id": l.line.LineID})}
}

// usageOver is the data usage that exceeds the line's allowance.
func usageOver(l line) float64 {
	return l.plan.DataLimitGB + l.line.DataRefuelingGB + 0.1
}

// telecomIssues is the issue catalogue.
func telecomIssues() []issue {
	all := []string{pathService, pathData, pathMMS}
	none := func(line) []envs.EnvFunctionCall { return nil }
	only := func(a ...envs.Action) func(line) []envs.Action { return func(line) []envs.Action { return a } }
	exceeded := func(l line) []envs.EnvFunctionCall {
		return []envs.EnvFunctionCall{fn(envs.Assistant, "set_data_usage", map[string]any{"customer_id": l.customer.CustomerID,
			"line_id": l.line.LineID, "data_used_gb": usageOver(l)})}
	}
	return []issue{
		{name: "airplane_mode_on", paths: all, set: "airplane", tool: "toggle_airplane_mode", allowed: true,
			init: func(line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "turn_airplane_mode_on", nil)}
			},
			fix: only(userDo("toggle_airplane_mode", nil)),
			assert: func(line) []envs.EnvAssertion {
				return []envs.EnvAssertion{assertion(envs.User, "assert_airplane_mode_status", map[string]any{"expected_status": false})}
			},
			why: "airplane mode is on; turning it off restores the connection"},
		{name: "unseat_sim_card", paths: []string{pathService, pathMMS}, set: "sim", tool: "reseat_sim_card", allowed: true,
			init: func(line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "unseat_sim_card", nil)}
			},
			fix: only(userDo("reseat_sim_card", nil)),
			why: "the SIM card is not seated; reseating it restores service"},
		{name: "break_apn_settings", paths: []string{pathService}, set: "apn", tool: "reset_apn_settings", allowed: true,
			init: func(line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "break_apn_settings", nil)}
			},
			fix: only(userDo("reset_apn_settings", nil), userDo("reboot_device", nil)),
			why: "the APN settings are wrong; resetting them and rebooting restores service"},
		{name: "overdue_bill_suspension", paths: []string{pathService}, set: "suspension", tool: "resume_line", allowed: true,
			init: func(l line) []envs.EnvFunctionCall {
				args := lineArgs(l)
				args["new_bill_id"], args["contract_ended"] = telecomOverdueBill, false
				return []envs.EnvFunctionCall{fn(envs.Assistant, "suspend_line_for_overdue_bill", args), fn(envs.User, "simulate_network_search", nil)}
			},
			reads: func(l line) []envs.Action {
				return []envs.Action{agentDo("get_bills_for_customer", map[string]any{"customer_id": l.customer.CustomerID}),
					agentDo("get_details_by_id", map[string]any{"id": telecomOverdueBill})}
			},
			fix: func(l line) []envs.Action {
				return []envs.Action{agentDo("send_payment_request", map[string]any{"customer_id": l.customer.CustomerID, "bill_id": telecomOverdueBill}),
					userDo("make_payment", nil), agentDo("resume_line", lineArgs(l)), userDo("reboot_device", nil)}
			},
			assert: func(line) []envs.EnvAssertion {
				return []envs.EnvAssertion{assertion(envs.Assistant, "assert_no_overdue_bill", map[string]any{"overdue_bill_id": telecomOverdueBill})}
			},
			why: "the line is suspended for an overdue bill; once the bill is paid the suspension can be lifted",
			known: func(line) string {
				return "If the agent asks you to pay an overdue bill, you accept."
			}},
		{name: "contract_end_suspension", paths: []string{pathService}, set: "suspension", tool: "resume_line", transfer: true, single: true,
			init: func(l line) []envs.EnvFunctionCall {
				args := lineArgs(l)
				args["new_bill_id"], args["contract_ended"] = telecomOverdueBill, true
				return []envs.EnvFunctionCall{fn(envs.Assistant, "suspend_line_for_overdue_bill", args), fn(envs.User, "simulate_network_search", nil)}
			},
			reads: func(l line) []envs.Action { return readLine(l) },
			// What the user wants and the policy forbids (a verifier negative).
			fix: func(l line) []envs.Action {
				return []envs.Action{agentDo("resume_line", lineArgs(l)), userDo("reboot_device", nil)}
			},
			assert: func(line) []envs.EnvAssertion {
				return []envs.EnvAssertion{assertion(envs.User, "assert_service_status", map[string]any{"expected_status": "no_service"})}
			},
			why: "the line's contract has ended, so its suspension cannot be lifted by the agent"},
		{name: "data_mode_off", paths: []string{pathData, pathMMS}, set: "data", tool: "toggle_data", allowed: true,
			init: func(line) []envs.EnvFunctionCall { return []envs.EnvFunctionCall{fn(envs.User, "turn_data_off", nil)} },
			fix:  only(userDo("toggle_data", nil)),
			why:  "mobile data is turned off on the phone"},
		{name: "roaming_off_abroad", paths: []string{pathData, pathMMS}, set: "roaming", tool: "toggle_roaming", allowed: true, abroad: true,
			init: func(l line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "set_user_location", map[string]any{"abroad": true}), fn(envs.User, "turn_roaming_off", nil),
					fn(envs.Assistant, "enable_roaming", lineArgs(l))}
			},
			reads: readLine, fix: only(userDo("toggle_roaming", nil)),
			assert: func(line) []envs.EnvAssertion {
				return []envs.EnvAssertion{assertion(envs.User, "assert_mobile_roaming_status", map[string]any{"expected_status": true})}
			},
			why: "the user is abroad with data roaming off on the phone"},
		{name: "roaming_disallowed_abroad", paths: []string{pathData, pathMMS}, set: "roaming", tool: "enable_roaming", allowed: true, abroad: true,
			init: func(l line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "set_user_location", map[string]any{"abroad": true}), fn(envs.User, "turn_roaming_on", nil),
					fn(envs.Assistant, "disable_roaming", lineArgs(l)), fn(envs.User, "simulate_network_search", nil)}
			},
			reads: readLine, fix: func(l line) []envs.Action { return []envs.Action{agentDo("enable_roaming", lineArgs(l))} },
			why: "the user is abroad and roaming is not enabled on the line; the policy enables it at no cost"},
		{name: "roaming_both_off_abroad", paths: []string{pathData, pathMMS}, set: "roaming", tool: "enable_roaming", allowed: true, abroad: true,
			init: func(l line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "set_user_location", map[string]any{"abroad": true}), fn(envs.User, "turn_roaming_off", nil),
					fn(envs.Assistant, "disable_roaming", lineArgs(l)), fn(envs.User, "simulate_network_search", nil)}
			},
			reads: readLine,
			fix: func(l line) []envs.Action {
				return []envs.Action{agentDo("enable_roaming", lineArgs(l)), userDo("toggle_roaming", nil)}
			},
			why: "the user is abroad, roaming is off on the phone and not enabled on the line"},
		{name: "data_saver_mode_on", paths: []string{pathData}, set: "saver", tool: "toggle_data_saver_mode", allowed: true,
			init: func(line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "turn_data_saver_mode_on", nil)}
			},
			fix: only(userDo("toggle_data_saver_mode", nil)),
			assert: func(line) []envs.EnvAssertion {
				return []envs.EnvAssertion{assertion(envs.User, "assert_mobile_data_saver_mode_status", map[string]any{"expected_status": false})}
			},
			why: "data saver mode slows the connection down"},
		{name: "bad_network_preference", paths: []string{pathData, pathMMS}, set: "preference", tool: "set_network_mode_preference", allowed: true,
			init: func(line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "set_network_mode_preference", map[string]any{"mode": "2g_only"})}
			},
			fix: only(userDo("set_network_mode_preference", map[string]any{"mode": "4g_5g_preferred"})),
			why: "the phone is set to 2G only"},
		{name: "bad_vpn", paths: []string{pathData}, set: "vpn", tool: "disconnect_vpn", allowed: true,
			init: func(line) []envs.EnvFunctionCall { return []envs.EnvFunctionCall{fn(envs.User, "break_vpn", nil)} },
			fix:  only(userDo("disconnect_vpn", nil)),
			why:  "a slow VPN connection throttles the data"},
		{name: "data_usage_exceeded", paths: []string{pathData, pathMMS}, set: "usage", tool: "refuel_data", allowed: true,
			ok:   func(l line) bool { return l.plan.DataRefuelingPricePerGB > 0 },
			init: exceeded,
			reads: func(l line) []envs.Action {
				return []envs.Action{agentDo("get_data_usage", lineArgs(l))}
			},
			fix: func(l line) []envs.Action {
				args := lineArgs(l)
				args["gb_amount"] = TelecomMaxRefuelGB
				return []envs.Action{agentDo("refuel_data", args)}
			},
			assert: func(l line) []envs.EnvAssertion {
				args := lineArgs(l)
				args["expected_amount"] = l.line.DataRefuelingGB + TelecomMaxRefuelGB
				return []envs.EnvAssertion{assertion(envs.Assistant, "assert_data_refueling_amount", args)}
			},
			communicate: func(l line) []string {
				return []string{fmt.Sprintf("%.2f", TelecomMaxRefuelGB*l.plan.DataRefuelingPricePerGB)}
			},
			why: "the line used up its data allowance; refuelling 2 GB restores it",
			known: func(line) string {
				return "You are willing to refuel 2.0 GB of data if necessary, but you do not want to change your mobile data plan."
			}},
		{name: "refuel_over_limit", paths: []string{pathData}, set: "usage", tool: "refuel_data", single: true,
			ok: func(l line) bool { return l.plan.DataRefuelingPricePerGB > 0 }, init: exceeded,
			reads: func(l line) []envs.Action { return []envs.Action{agentDo("get_data_usage", lineArgs(l))} },
			fix: func(l line) []envs.Action {
				args := lineArgs(l)
				args["gb_amount"] = 5.0
				return []envs.Action{agentDo("refuel_data", args)}
			},
			assert: func(l line) []envs.EnvAssertion {
				args := lineArgs(l)
				args["expected_amount"] = l.line.DataRefuelingGB
				return []envs.EnvAssertion{assertion(envs.Assistant, "assert_data_refueling_amount", args),
					assertion(envs.User, "assert_mobile_data_usage_exceeded", map[string]any{"expected_status": true})}
			},
			why: fmt.Sprintf("at most %g GB of data can be refuelled at once", TelecomMaxRefuelGB),
			ask: "You used up your data allowance and want exactly 5 GB of extra data added to your line right now.",
			known: func(line) string {
				return "You will not accept less than 5 GB and you do not want to change your plan."
			}},
		{name: "bad_wifi_calling", paths: []string{pathMMS}, set: "wifi_calling", tool: "toggle_wifi_calling", allowed: true,
			init: func(line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "set_wifi_calling", map[string]any{"enabled": true, "mms_over_wifi": true})}
			},
			fix: only(userDo("toggle_wifi_calling", nil)),
			why: "Wi-Fi calling sends MMS over Wi-Fi, which the user does not have"},
		{name: "break_apn_mms_setting", paths: []string{pathMMS}, set: "apn_mms", tool: "reset_apn_settings", allowed: true,
			init: func(line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "break_apn_mms_setting", nil)}
			},
			fix: only(userDo("reset_apn_settings", nil), userDo("reboot_device", nil)),
			why: "the MMSC URL of the APN settings is missing"},
		{name: "apn_mms_manual", paths: []string{pathMMS}, set: "apn_mms", tool: "set_apn_settings", allowed: true,
			init: func(line) []envs.EnvFunctionCall {
				return []envs.EnvFunctionCall{fn(envs.User, "break_apn_mms_setting", nil)}
			},
			fix: only(userDo("set_apn_settings", map[string]any{"apn_settings": map[string]any{"apn_name": "internet", "mms_apn": "mms",
				"mmsc_url": "http://mms.carrier.com/mms/wapenc"}})),
			why: "the MMSC URL of the APN settings is missing; the user enters the carrier's settings",
			known: func(line) string {
				return "Your carrier's website lists the APN settings: APN name internet, MMS APN mms, MMSC URL http://mms.carrier.com/mms/wapenc; you prefer to enter them yourself rather than reset everything."
			}},
		{name: "messaging_sms_permission", paths: []string{pathMMS}, set: "permissions", tool: "grant_app_permission", allowed: true,
			init: permissionsRemoved("sms"), fix: permissionsGranted("sms"), why: "the messaging app lacks the SMS permission"},
		{name: "messaging_storage_permission", paths: []string{pathMMS}, set: "permissions", tool: "grant_app_permission", allowed: true,
			init: permissionsRemoved("storage"), fix: permissionsGranted("storage"), why: "the messaging app lacks the storage permission"},
		{name: "messaging_both_permissions", paths: []string{pathMMS}, set: "permissions", tool: "grant_app_permission", allowed: true,
			init: permissionsRemoved("sms", "storage"), fix: permissionsGranted("sms", "storage"),
			why: "the messaging app lacks the SMS and storage permissions"},
		{name: "suspend_line_request", paths: []string{pathAccount}, set: "suspend", tool: "suspend_line", allowed: true, init: none, reads: readLine,
			fix: func(l line) []envs.Action {
				args := lineArgs(l)
				args["reason"] = "traveling abroad for three months"
				return []envs.Action{agentDo("suspend_line", args)}
			},
			assert: func(l line) []envs.EnvAssertion {
				args := lineArgs(l)
				args["expected_status"] = "Suspended"
				return []envs.EnvAssertion{assertion(envs.Assistant, "assert_line_status", args)}
			},
			why: "an active line may be suspended at the customer's request",
			ask: "You are traveling abroad for three months and want your line suspended until you are back; you accept the monthly holding fee."},
		{name: "disable_roaming_request", paths: []string{pathAccount}, set: "roaming_account", tool: "disable_roaming", allowed: true, db: true,
			ok: func(l line) bool { return l.line.RoamingEnabled }, init: none, reads: readLine,
			fix: func(l line) []envs.Action { return []envs.Action{agentDo("disable_roaming", lineArgs(l))} },
			why: "the customer may have roaming disabled on their line",
			ask: "You never travel and want data roaming disabled on your line so that you are never charged for it."},
		{name: "wifi_on_request", paths: []string{pathAccount}, set: "wifi", tool: "toggle_wifi", allowed: true, db: true, init: none,
			fix: only(userDo("toggle_wifi", nil)),
			why: "the user may turn Wi-Fi on on their own phone",
			ask: "You want to turn on Wi-Fi on your phone and do not know how; you want the agent to guide you."},
		{name: "vpn_on_request", paths: []string{pathAccount}, set: "vpn_account", tool: "connect_vpn", allowed: true, db: true, init: none,
			fix: only(userDo("connect_vpn", nil)),
			why: "the user may connect their phone's VPN",
			ask: "Your employer requires you to use the VPN on your phone; you want the agent to help you connect it."},
	}
}

func permissionsRemoved(perms ...string) func(line) []envs.EnvFunctionCall {
	return func(line) []envs.EnvFunctionCall {
		var out []envs.EnvFunctionCall
		for _, p := range perms {
			out = append(out, fn(envs.User, "remove_app_permission", map[string]any{"app_name": "messaging", "permission": p}))
		}
		return out
	}
}

func permissionsGranted(perms ...string) func(line) []envs.Action {
	return func(line) []envs.Action {
		var out []envs.Action
		for _, p := range perms {
			out = append(out, userDo("grant_app_permission", map[string]any{"app_name": "messaging", "permission": p}))
		}
		return out
	}
}

// telecomFamily is the telecom domain knowledge of the planner: a unit is
// an active line (the user's phone), and the kinds are the issues above.
type telecomFamily struct {
	p      *Planner
	st     *telecom.State
	issues []issue
}

func (f *telecomFamily) catalogue() []issue {
	if f.issues == nil {
		f.issues = telecomIssues()
	}
	return f.issues
}

func (f *telecomFamily) issue(name string) (issue, bool) {
	for _, is := range f.catalogue() {
		if is.name == name {
			return is, true
		}
	}
	return issue{}, false
}

// lineOf resolves a unit.
func (f *telecomFamily) lineOf(id string) (line, bool) {
	l, ok := f.st.DB.Lines.Get(id)
	if !ok || l.Status != telecom.LineActive {
		return line{}, false
	}
	plan, ok := f.st.DB.Plans.Get(l.PlanID)
	if !ok {
		return line{}, false
	}
	for _, c := range f.st.DB.Customers.All() {
		if slices.Contains(c.LineIDs, id) {
			return line{customer: c, line: l, plan: plan}, true
		}
	}
	return line{}, false
}

func (f *telecomFamily) units() []string {
	var out []string
	for id := range f.st.DB.Lines.All() {
		if _, ok := f.lineOf(id); ok {
			out = append(out, id)
		}
	}
	sort.Strings(out)
	return out
}

func (f *telecomFamily) pairs() [][2]string {
	var out [][2]string
	for _, id := range f.units() {
		l, _ := f.lineOf(id)
		out = append(out, [2]string{l.customer.CustomerID, id})
	}
	return out
}

// unitOf: the model planner names a customer and one of their lines.
func (f *telecomFamily) unitOf(_, entity string) (string, string) { return entity, entity }

func (f *telecomFamily) begin(sc *Scenario, unit string) {
	if l, ok := f.lineOf(unit); ok {
		sc.UserID, sc.Phone = l.customer.CustomerID, l.line.PhoneNumber
	}
}

func (f *telecomFamily) kinds(t ToolRef) []kind {
	var out []kind
	for _, is := range f.catalogue() {
		tools := f.toolsOf(is)
		if is.tool != t.Name && !slices.Contains(tools, t.Name) {
			continue
		}
		out = append(out, kind{name: is.name, tool: is.tool, tools: tools, allowed: is.allowed, transfer: is.transfer, single: is.single,
			find: f.finder(is)})
	}
	return out
}

// toolsOf lists the write tools an issue's fix calls.
func (f *telecomFamily) toolsOf(is issue) []string {
	if is.fix == nil || !is.allowed {
		return nil
	}
	var out []string
	for _, a := range is.fix(f.anyLine()) {
		if !slices.Contains(out, a.Name) {
			out = append(out, a.Name)
		}
	}
	return out
}

// anyLine is a placeholder line for listing an issue's tools.
func (f *telecomFamily) anyLine() line {
	for _, id := range f.units() {
		if l, ok := f.lineOf(id); ok {
			return l
		}
	}
	return line{customer: &telecom.Customer{}, line: &telecom.Line{}, plan: &telecom.Plan{}}
}

// finder grounds an issue on a line; a scenario's first issue picks the
// resolution path, later ones must share it.
func (f *telecomFamily) finder(is issue) finder {
	return func(c *findCtx) (Intent, bool) {
		l, ok := f.lineOf(c.unit)
		if !ok || c.target != "" && c.target != c.unit || is.ok != nil && !is.ok(l) {
			return Intent{}, false
		}
		path := is.paths[c.r.IntN(len(is.paths))]
		if len(c.taken) > 0 {
			path = c.taken[0].Variant
			if !slices.Contains(is.paths, path) {
				return Intent{}, false
			}
		}
		in := Intent{Kind: is.name, Variant: path, Tool: is.tool, Target: l.line.LineID, Allowed: is.allowed && !is.transfer,
			Transfer: is.transfer, Why: is.why}
		if is.init != nil {
			in.Init = is.init(l)
		}
		if is.reads != nil {
			in.Reads = is.reads(l)
		}
		if is.fix != nil {
			in.Writes = is.fix(l)
		}
		if is.assert != nil {
			in.Assertions = is.assert(l)
		}
		if is.communicate != nil {
			in.Communicate = is.communicate(l)
		}
		if is.known != nil {
			in.Known = is.known(l)
		}
		in.Ask = is.ask
		return in, true
	}
}

// compatible: same resolution path, distinct selection sets, no single
// issue.
func (f *telecomFamily) compatible(have []Intent, b Intent) bool {
	ib, ok := f.issue(b.Kind)
	if !ok || ib.single || len(have) == 0 || b.Variant != have[0].Variant || b.Target != have[0].Target {
		return false
	}
	for _, in := range have {
		ia, ok := f.issue(in.Kind)
		if !ok || ia.single || ia.set == ib.set {
			return false
		}
	}
	return true
}

// pathReason is what the user calls about on each path (tau2's wording).
func pathReason(path string) string {
	switch path {
	case pathService:
		return "Your phone has been showing 'No Service' for the past few hours."
	case pathData:
		return "Your mobile data is not working properly. It either stops working or is very slow. You want to fix it and absolutely want to get excellent internet speed on your phone. You do not have access to wifi."
	case pathMMS:
		return "You are unable to send MMS messages using your messaging app for the past few hours. You want to fix it and successfully send an MMS message."
	}
	return ""
}

// pathAssertions are the path's success assertions (tau2's
// get_env_assertions(expected_success=True)).
func pathAssertions(path string) []envs.EnvAssertion {
	switch path {
	case pathService:
		return []envs.EnvAssertion{assertion(envs.User, "assert_service_status", map[string]any{"expected_status": "connected"})}
	case pathData:
		return []envs.EnvAssertion{assertion(envs.User, "assert_mobile_data_status", map[string]any{"expected_status": true}),
			assertion(envs.User, "assert_internet_speed", map[string]any{"expected_speed": 200, "expected_desc": "excellent"})}
	case pathMMS:
		return []envs.EnvAssertion{assertion(envs.User, "assert_can_send_mms", map[string]any{"expected_status": true})}
	}
	return nil
}

func (f *telecomFamily) finish(sc *Scenario) {
	// Issues in name order, as tau2 composes them: their set-up functions
	// and fixes then apply in a fixed order (airplane mode first).
	sort.SliceStable(sc.Intents, func(i, j int) bool { return sc.Intents[i].Kind < sc.Intents[j].Kind })
	l, ok := f.lineOf(sc.phoneLine(f))
	if !ok || len(sc.Intents) == 0 {
		return
	}
	path := sc.Intents[0].Variant
	abroad, db, transfer := false, false, false
	sc.Init = []envs.EnvFunctionCall{fn(envs.User, "set_user_info", map[string]any{"name": l.customer.FullName, "phone_number": l.line.PhoneNumber})}
	sc.Assertions = nil
	if sc.Allowed {
		sc.Assertions = pathAssertions(path)
	}
	for i := range sc.Intents {
		in := &sc.Intents[i]
		is, _ := f.issue(in.Kind)
		abroad = abroad || is.abroad
		db = db || is.db
		transfer = transfer || is.transfer
		sc.Init = append(sc.Init, in.Init...)
		sc.Assertions = append(sc.Assertions, in.Assertions...)
		// Reads are never compared by argument (an agent may look a line
		// up by other means).
		for j := range in.Reads {
			in.Reads[j].CompareArgs = []string{}
		}
	}
	location := "at home in the United States"
	if abroad {
		location = "abroad in France"
	}
	reason := pathReason(path)
	var asks []string
	for _, in := range sc.Intents {
		if in.Ask != "" && !slices.Contains(asks, in.Ask) {
			asks = append(asks, in.Ask)
		}
	}
	if len(asks) > 0 {
		reason = strings.TrimSpace(reason + " " + strings.Join(asks, " Also: "))
	}
	task := "If the agent suggests actions that don't immediately fix the issue, follow their guidance. " +
		"When the agent asks you to do something on your phone, do it with your phone's tools and tell the agent what you see. " +
		"Never make up the results of tool calls. If the agent says it cannot do something, accept that."
	switch path {
	case pathService:
		task += " You will consider the issue resolved when the status bar shows that you have signal."
	case pathData:
		task += " You will consider the issue resolved only when a speed test returns excellent internet speed."
	case pathMMS:
		task += " You will consider the issue resolved when your messaging app can send an MMS message."
	}
	sc.Instructions = envs.Instructions{Domain: "telecom", ReasonForCall: reason,
		KnownInfo: ptrTo(knownLine(fmt.Sprintf("You are %s with phone number %s. You are currently %s.", l.customer.FullName, l.line.PhoneNumber, location),
			sc.Intents)), TaskInstructions: task}
	sc.Basis = []envs.RewardType{envs.RewardEnvAssertion}
	if db {
		sc.Basis = append(sc.Basis, envs.RewardDB)
	}
	if transfer {
		sc.Basis = append(sc.Basis, envs.RewardAction)
	}
}

// phoneLine is the line of the scenario's phone.
func (s Scenario) phoneLine(f *telecomFamily) string {
	for id, l := range f.st.DB.Lines.All() {
		if l.PhoneNumber == s.Phone {
			return id
		}
	}
	return ""
}
