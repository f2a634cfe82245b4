package telecom

// Expected outputs of the agent tools (TelecomTools), one case per branch of
// tau2's tools.py; each comment names the Python branch exercised.

func agentCases() []toolCase {
	return []toolCase{
		// get_customer_by_phone: customer.phone_number matches
		{name: "customer by contact phone", req: asst, tool: "get_customer_by_phone", args: `{"phone_number": "555-123-2002"}`,
			want: `{"customer_id": "C1001", "full_name": "John Smith", "date_of_birth": "1985-06-15", "email": "john.smith@example.com", "phone_number": "555-123-2002", "address": {"street": "123 Main St", "city": "Anytown", "state": "CA", "zip_code": "90210"}, "account_status": "Active", "payment_methods": [{"method_type": "Credit Card", "account_number_last_4": "1235", "expiration_date": "12/2026"}], "line_ids": ["L1001", "L1002", "L1003"], "bill_ids": ["B1001", "B1002", "B1003"], "created_at": "2025-01-15 10:30:00", "last_extension_date": null, "goodwill_credit_used_this_year": 25.0}`, isErr: false},
		// get_customer_by_phone: a line's phone_number matches
		{name: "customer by line phone", req: asst, tool: "get_customer_by_phone", args: `{"phone_number": "555-123-2005"}`,
			want: `{"customer_id": "C1002", "full_name": "Sarah Johnson", "date_of_birth": "1990-11-22", "email": "sarah.j@example.com", "phone_number": "555-123-1002", "address": {"street": "456 Oak Ave", "city": "Springfield", "state": "IL", "zip_code": "62701"}, "account_status": "Active", "payment_methods": [{"method_type": "Debit Card", "account_number_last_4": "1234", "expiration_date": "12/2026"}, {"method_type": "Credit Card", "account_number_last_4": "5678", "expiration_date": "06/2027"}], "line_ids": ["L1004", "L1005", "L1006", "L1007", "L1008"], "bill_ids": ["B1004", "B1005"], "created_at": "2025-02-10 14:15:00", "last_extension_date": "2025-01-05", "goodwill_credit_used_this_year": 0.0}`, isErr: false},
		// get_customer_by_phone: raise ValueError (not found)
		{name: "customer by phone not found", req: asst, tool: "get_customer_by_phone", args: `{"phone_number": "555-000-0000"}`,
			want: "Error: Customer with phone number 555-000-0000 not found", isErr: true},
		// get_customer_by_id: found (no payment methods, no lines)
		{name: "customer by id", req: asst, tool: "get_customer_by_id", args: `{"customer_id": "C1004"}`,
			want: `{"customer_id": "C1004", "full_name": "Emma Wilson", "date_of_birth": "1995-08-17", "email": "emma.w@example.com", "phone_number": "555-123-1004", "address": {"street": "101 River Rd", "city": "Austin", "state": "TX", "zip_code": "73301"}, "account_status": "Pending Verification", "payment_methods": [], "line_ids": [], "bill_ids": [], "created_at": "2025-01-25 16:20:00", "last_extension_date": null, "goodwill_credit_used_this_year": 0.0}`, isErr: false},
		// get_customer_by_id: raise ValueError
		{name: "customer by id not found", req: asst, tool: "get_customer_by_id", args: `{"customer_id": "C9999"}`,
			want: "Error: Customer with ID C9999 not found", isErr: true},
		// get_customer_by_name: case-insensitive name and exact DOB
		{name: "customer by name", req: asst, tool: "get_customer_by_name", args: `{"full_name": "sarah JOHNSON", "dob": "1990-11-22"}`,
			want: `[{"customer_id": "C1002", "full_name": "Sarah Johnson", "date_of_birth": "1990-11-22", "email": "sarah.j@example.com", "phone_number": "555-123-1002", "address": {"street": "456 Oak Ave", "city": "Springfield", "state": "IL", "zip_code": "62701"}, "account_status": "Active", "payment_methods": [{"method_type": "Debit Card", "account_number_last_4": "1234", "expiration_date": "12/2026"}, {"method_type": "Credit Card", "account_number_last_4": "5678", "expiration_date": "06/2027"}], "line_ids": ["L1004", "L1005", "L1006", "L1007", "L1008"], "bill_ids": ["B1004", "B1005"], "created_at": "2025-02-10 14:15:00", "last_extension_date": "2025-01-05", "goodwill_credit_used_this_year": 0.0}]`, isErr: false},
		// get_customer_by_name: no match returns []
		{name: "customer by name no match", req: asst, tool: "get_customer_by_name", args: `{"full_name": "Sarah Johnson", "dob": "1990-11-23"}`,
			want: "[]", isErr: false},
		// get_details_by_id: 'L' prefix -> _get_line_by_id
		{name: "details line", req: asst, tool: "get_details_by_id", args: `{"id": "L1009"}`,
			want: `{"line_id": "L1009", "phone_number": "555-123-2009", "status": "Suspended", "plan_id": "P1002", "device_id": "D1009", "data_used_gb": 0.0, "data_refueling_gb": 0.0, "roaming_enabled": false, "contract_end_date": "2026-08-15", "last_plan_change_date": "2024-08-20", "last_sim_replacement_date": "2025-01-15", "suspension_start_date": "2025-01-15"}`, isErr: false},
		// get_details_by_id: 'D' prefix -> datetimes as str(datetime)
		{name: "details device", req: asst, tool: "get_details_by_id", args: `{"id": "D1002"}`,
			want: `{"device_id": "D1002", "device_type": "phone", "model": "Smartphone Pro Max", "imei": "234567890123456", "is_esim_capable": true, "activated": true, "activation_date": "2025-02-15 11:45:00", "last_esim_transfer_date": "2025-01-20 09:30:00"}`, isErr: false},
		// get_details_by_id: 'B' prefix
		{name: "details bill", req: asst, tool: "get_details_by_id", args: `{"id": "B1006"}`,
			want: `{"bill_id": "B1006", "customer_id": "C1003", "period_start": "2025-02-01", "period_end": "2025-02-28", "issue_date": "2025-02-05", "total_due": 70.0, "due_date": "2025-02-19", "line_items": [{"description": "Premium Plan - Line 555-123-2009", "amount": 65.0, "date": "2025-02-05", "item_type": "Plan Charge"}, {"description": "Suspension Fee - Line 555-123-2009", "amount": 5.0, "date": "2025-02-05", "item_type": "Fee"}], "status": "Disputed"}`, isErr: false},
		// get_details_by_id: 'C' prefix
		{name: "details customer", req: asst, tool: "get_details_by_id", args: `{"id": "C1002"}`,
			want: `{"customer_id": "C1002", "full_name": "Sarah Johnson", "date_of_birth": "1990-11-22", "email": "sarah.j@example.com", "phone_number": "555-123-1002", "address": {"street": "456 Oak Ave", "city": "Springfield", "state": "IL", "zip_code": "62701"}, "account_status": "Active", "payment_methods": [{"method_type": "Debit Card", "account_number_last_4": "1234", "expiration_date": "12/2026"}, {"method_type": "Credit Card", "account_number_last_4": "5678", "expiration_date": "06/2027"}], "line_ids": ["L1004", "L1005", "L1006", "L1007", "L1008"], "bill_ids": ["B1004", "B1005"], "created_at": "2025-02-10 14:15:00", "last_extension_date": "2025-01-05", "goodwill_credit_used_this_year": 0.0}`, isErr: false},
		// get_details_by_id: 'P' prefix
		{name: "details plan", req: asst, tool: "get_details_by_id", args: `{"id": "P1003"}`,
			want: `{"plan_id": "P1003", "name": "Unlimited Plus", "data_limit_gb": 999.0, "price_per_month": 85.0, "data_refueling_price_per_gb": 0.1}`, isErr: false},
		// get_details_by_id: _get_line_by_id raises
		{name: "details line missing", req: asst, tool: "get_details_by_id", args: `{"id": "L404"}`,
			want: "Error: Line with ID L404 not found", isErr: true},
		// get_details_by_id: _get_device_by_id raises
		{name: "details device missing", req: asst, tool: "get_details_by_id", args: `{"id": "D404"}`,
			want: "Error: Device with ID D404 not found", isErr: true},
		// get_details_by_id: _get_bill_by_id raises
		{name: "details bill missing", req: asst, tool: "get_details_by_id", args: `{"id": "B404"}`,
			want: "Error: Bill with ID B404 not found", isErr: true},
		// get_details_by_id: get_customer_by_id raises
		{name: "details customer missing", req: asst, tool: "get_details_by_id", args: `{"id": "C404"}`,
			want: "Error: Customer with ID C404 not found", isErr: true},
		// get_details_by_id: _get_plan_by_id raises
		{name: "details plan missing", req: asst, tool: "get_details_by_id", args: `{"id": "P404"}`,
			want: "Error: Plan with ID P404 not found", isErr: true},
		// get_details_by_id: else -> raise Unknown ID format
		{name: "details unknown format", req: asst, tool: "get_details_by_id", args: `{"id": "X1001"}`,
			want: "Error: Unknown ID format or type: X1001", isErr: true},
		// suspend_line: success dict with the updated line
		{name: "suspend line", req: asst, tool: "suspend_line", args: `{"customer_id": "C1001", "line_id": "L1001", "reason": "travel"}`,
			want: `{"message": "Line suspended successfully. $5/month holding fee will apply.", "line": {"line_id": "L1001", "phone_number": "555-123-2001", "status": "Suspended", "plan_id": "P1001", "device_id": "D1001", "data_used_gb": 3.2, "data_refueling_gb": 0.0, "roaming_enabled": false, "contract_end_date": "2026-12-31", "last_plan_change_date": "2025-01-10", "last_sim_replacement_date": null, "suspension_start_date": "2025-02-25"}}`, isErr: false},
		// suspend_line: raise Line must be active
		{name: "suspend line not active", req: asst, tool: "suspend_line", args: `{"customer_id": "C1001", "line_id": "L1003", "reason": "x"}`,
			want: "Error: Line must be active to suspend", isErr: true},
		// _get_target_line: raise Line not found for customer
		{name: "suspend line not owned", req: asst, tool: "suspend_line", args: `{"customer_id": "C1002", "line_id": "L1001", "reason": "x"}`,
			want: "Error: Line L1001 not found for customer C1002", isErr: true},
		// _get_target_line: get_customer_by_id raises
		{name: "suspend line no customer", req: asst, tool: "suspend_line", args: `{"customer_id": "C404", "line_id": "L1001", "reason": "x"}`,
			want: "Error: Customer with ID C404 not found", isErr: true},
		// resume_line: Suspended -> Active, suspension date cleared
		{name: "resume line", req: asst, tool: "resume_line", args: `{"customer_id": "C1001", "line_id": "L1003"}`,
			want: `{"message": "Line resumed successfully", "line": {"line_id": "L1003", "phone_number": "555-123-2003", "status": "Active", "plan_id": "P1001", "device_id": "D1003", "data_used_gb": 0.0, "data_refueling_gb": 0.0, "roaming_enabled": false, "contract_end_date": "2026-06-30", "last_plan_change_date": "2024-10-05", "last_sim_replacement_date": null, "suspension_start_date": null}}`, isErr: false},
		// resume_line: raise Line must be suspended
		{name: "resume line not suspended", req: asst, tool: "resume_line", args: `{"customer_id": "C1001", "line_id": "L1002"}`,
			want: "Error: Line must be suspended to resume", isErr: true},
		// get_bills_for_customer: sorted by issue_date, newest first
		{name: "bills default", req: asst, tool: "get_bills_for_customer", args: `{"customer_id": "C1002"}`,
			want: `[{"bill_id": "B1005", "customer_id": "C1002", "period_start": "2025-02-01", "period_end": "2025-02-28", "issue_date": "2025-02-05", "total_due": 425.0, "due_date": "2025-02-26", "line_items": [{"description": "Unlimited Plus - 5 Lines Family Plan", "amount": 425.0, "date": "2025-02-05", "item_type": "Plan Charge"}], "status": "Overdue"}, {"bill_id": "B1004", "customer_id": "C1002", "period_start": "2025-01-01", "period_end": "2025-01-31", "issue_date": "2025-01-05", "total_due": 425.0, "due_date": "2025-01-19", "line_items": [{"description": "Unlimited Plus - 5 Lines Family Plan", "amount": 425.0, "date": "2025-01-05", "item_type": "Plan Charge"}], "status": "Paid"}]`, isErr: false},
		// get_bills_for_customer: sorted_bills[:1]
		{name: "bills limit 1", req: asst, tool: "get_bills_for_customer", args: `{"customer_id": "C1001", "limit": 1}`,
			want: `[{"bill_id": "B1003", "customer_id": "C1001", "period_start": "2025-03-01", "period_end": "2025-03-31", "issue_date": "2025-03-01", "total_due": 0.0, "due_date": "2025-03-15", "line_items": [], "status": "Draft"}]`, isErr: false},
		// get_bills_for_customer: sorted_bills[:-2] drops the last two
		{name: "bills negative limit", req: asst, tool: "get_bills_for_customer", args: `{"customer_id": "C1001", "limit": -2}`,
			want: `[{"bill_id": "B1003", "customer_id": "C1001", "period_start": "2025-03-01", "period_end": "2025-03-31", "issue_date": "2025-03-01", "total_due": 0.0, "due_date": "2025-03-15", "line_items": [], "status": "Draft"}]`, isErr: false},
		// get_bills_for_customer: sorted_bills[:None]
		{name: "bills null limit", req: asst, tool: "get_bills_for_customer", args: `{"customer_id": "C1003", "limit": null}`,
			want: `[{"bill_id": "B1006", "customer_id": "C1003", "period_start": "2025-02-01", "period_end": "2025-02-28", "issue_date": "2025-02-05", "total_due": 70.0, "due_date": "2025-02-19", "line_items": [{"description": "Premium Plan - Line 555-123-2009", "amount": 65.0, "date": "2025-02-05", "item_type": "Plan Charge"}, {"description": "Suspension Fee - Line 555-123-2009", "amount": 5.0, "date": "2025-02-05", "item_type": "Fee"}], "status": "Disputed"}]`, isErr: false},
		// get_bills_for_customer: slicing with a float raises TypeError
		{name: "bills float limit", req: asst, tool: "get_bills_for_customer", args: `{"customer_id": "C1001", "limit": 2.0}`,
			want: "Error: slice indices must be integers or None or have an __index__ method", isErr: true},
		// get_bills_for_customer: customer without bills
		{name: "bills none", req: asst, tool: "get_bills_for_customer", args: `{"customer_id": "C1004"}`,
			want: "[]", isErr: false},
		// get_bills_for_customer: get_customer_by_id raises
		{name: "bills no customer", req: asst, tool: "get_bills_for_customer", args: `{"customer_id": "C404"}`,
			want: "Error: Customer with ID C404 not found", isErr: true},
		// send_payment_request: bill set to AWAITING_PAYMENT
		{name: "payment request", req: asst, tool: "send_payment_request", args: `{"customer_id": "C1001", "bill_id": "B1002"}`,
			want: "Payment request sent to the customer for bill B1002", isErr: false},
		// send_payment_request: raise A bill is already awaiting payment
		{name: "payment request already awaiting", setup: []step{call(asst, "send_payment_request", `{"customer_id": "C1001", "bill_id": "B1002"}`)}, req: asst, tool: "send_payment_request", args: `{"customer_id": "C1001", "bill_id": "B1001"}`,
			want: "Error: A bill is already awaiting payment for this customer", isErr: true},
		// send_payment_request: raise Bill not found for customer
		{name: "payment request foreign bill", req: asst, tool: "send_payment_request", args: `{"customer_id": "C1001", "bill_id": "B1004"}`,
			want: "Error: Bill B1004 not found for customer C1001", isErr: true},
		// send_payment_request: get_customer_by_id raises
		{name: "payment request no customer", req: asst, tool: "send_payment_request", args: `{"customer_id": "C404", "bill_id": "B1002"}`,
			want: "Error: Customer with ID C404 not found", isErr: true},
		// get_data_usage: dict values become str(); cycle end is the last day of the month
		{name: "data usage", req: asst, tool: "get_data_usage", args: `{"customer_id": "C1001", "line_id": "L1002"}`,
			want: `{"line_id": "L1002", "data_used_gb": "8.7", "data_limit_gb": "15.0", "data_refueling_gb": "0.0", "cycle_end_date": "2025-02-28"}`, isErr: false},
		// get_data_usage: set_data_usage stored an int, str(15) is '15'
		{name: "data usage int", setup: []step{fn(asst, "set_data_usage", `{"customer_id": "C1001", "line_id": "L1002", "data_used_gb": 15}`)}, req: asst, tool: "get_data_usage", args: `{"customer_id": "C1001", "line_id": "L1002"}`,
			want: `{"line_id": "L1002", "data_used_gb": "15", "data_limit_gb": "15.0", "data_refueling_gb": "0.0", "cycle_end_date": "2025-02-28"}`, isErr: false},
		// get_data_usage: _get_target_line raises
		{name: "data usage not owned", req: asst, tool: "get_data_usage", args: `{"customer_id": "C1002", "line_id": "L1002"}`,
			want: "Error: Line L1002 not found for customer C1002", isErr: true},
		// enable_roaming: enabled
		{name: "enable roaming", req: asst, tool: "enable_roaming", args: `{"customer_id": "C1001", "line_id": "L1001"}`,
			want: "Roaming enabled successfully", isErr: false},
		// enable_roaming: already enabled
		{name: "enable roaming already", req: asst, tool: "enable_roaming", args: `{"customer_id": "C1001", "line_id": "L1002"}`,
			want: "Roaming was already enabled", isErr: false},
		// enable_roaming: _get_target_line raises
		{name: "enable roaming no line", req: asst, tool: "enable_roaming", args: `{"customer_id": "C1001", "line_id": "L1004"}`,
			want: "Error: Line L1004 not found for customer C1001", isErr: true},
		// disable_roaming: disabled
		{name: "disable roaming", req: asst, tool: "disable_roaming", args: `{"customer_id": "C1001", "line_id": "L1002"}`,
			want: "Roaming disabled successfully", isErr: false},
		// disable_roaming: already disabled
		{name: "disable roaming already", req: asst, tool: "disable_roaming", args: `{"customer_id": "C1001", "line_id": "L1001"}`,
			want: "Roaming was already disabled", isErr: false},
		// disable_roaming: _get_target_line raises
		{name: "disable roaming no customer", req: asst, tool: "disable_roaming", args: `{"customer_id": "C404", "line_id": "L1001"}`,
			want: "Error: Customer with ID C404 not found", isErr: true},
		// transfer_to_human_agents
		{name: "transfer", req: asst, tool: "transfer_to_human_agents", args: `{"summary": "The user wants a human."}`,
			want: "Transfer successful", isErr: false},
		// refuel_data: charge on the draft bill; dict numbers become str()
		{name: "refuel float", req: asst, tool: "refuel_data", args: `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": 2.0}`,
			want: `{"message": "Successfully added 2.0 GB of data for line L1002 for $4.00", "new_data_refueling_gb": "2.0", "charge": "4.0"}`, isErr: false},
		// refuel_data: an int amount prints as an int
		{name: "refuel int", req: asst, tool: "refuel_data", args: `{"customer_id": "C1001", "line_id": "L1001", "gb_amount": 3}`,
			want: `{"message": "Successfully added 3 GB of data for line L1001 for $15.00", "new_data_refueling_gb": "3.0", "charge": "15.0"}`, isErr: false},
		// _apply_one_time_charge: line item appended, total_due increased
		{name: "refuel draft bill", setup: []step{call(asst, "refuel_data", `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": 2.5}`)}, req: asst, tool: "get_details_by_id", args: `{"id": "B1003"}`,
			want: `{"bill_id": "B1003", "customer_id": "C1001", "period_start": "2025-03-01", "period_end": "2025-03-31", "issue_date": "2025-03-01", "total_due": 5.0, "due_date": "2025-03-15", "line_items": [{"description": "Data refueling: 2.5 GB at $2.0/GB", "amount": 5.0, "date": "2025-02-25", "item_type": "Charge"}], "status": "Draft"}`, isErr: false},
		// refuel_data: customer without a draft bill (a new one is created)
		{name: "refuel new draft", req: asst, tool: "refuel_data", args: `{"customer_id": "C1002", "line_id": "L1004", "gb_amount": 1.25}`,
			want: `{"message": "Successfully added 1.25 GB of data for line L1004 for $0.12", "new_data_refueling_gb": "1.25", "charge": "0.125"}`, isErr: false},
		// refuel_data: raise Refuel amount must be positive
		{name: "refuel zero", req: asst, tool: "refuel_data", args: `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": 0}`,
			want: "Error: Refuel amount must be positive", isErr: true},
		// refuel_data: gb_amount <= 0 on a str raises TypeError
		{name: "refuel string", req: asst, tool: "refuel_data", args: `{"customer_id": "C1001", "line_id": "L1002", "gb_amount": "2"}`,
			want: "Error: '<=' not supported between instances of 'str' and 'int'", isErr: true},
		// refuel_data: _get_target_line raises
		{name: "refuel not owned", req: asst, tool: "refuel_data", args: `{"customer_id": "C1001", "line_id": "L1009", "gb_amount": 1.0}`,
			want: "Error: Line L1009 not found for customer C1001", isErr: true},
		// ToolKitBase.use_tool: raise Tool not found
		{name: "unknown tool", req: asst, tool: "check_status_bar", args: "{}",
			want: "Error: Tool 'check_status_bar' not found.", isErr: true},
		// Python TypeError for a missing argument
		{name: "missing argument", req: asst, tool: "get_customer_by_id", args: "{}",
			want: "Error: TelecomTools.get_customer_by_id() missing 1 required positional argument: 'customer_id'", isErr: true},
		// Python TypeError for an unexpected argument
		{name: "unexpected argument", req: asst, tool: "get_data_usage", args: `{"customer_id": "C1001", "line_id": "L1002", "extra": 1}`,
			want: "Error: TelecomTools.get_data_usage() got an unexpected keyword argument 'extra'", isErr: true},
	}
}
