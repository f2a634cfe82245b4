package telecom

import "github.com/eigendata/eigendata/envs"

// syncState is TelecomEnvironment.sync_tools, run after every tool call and
// environment function: it mirrors the user's line into their surroundings
// (line active, roaming allowed, data usage exceeded), settles a paid
// payment request by marking its bill paid, and raises a payment request
// for the first bill awaiting payment. Like tau2 it fails when the user's
// phone number, plan, customer or bills cannot be found, after applying the
// updates made up to that point.
func syncState(st envs.State) error {
	s := st.(*State)
	sur := &s.User.Surroundings
	if sur.PhoneNumber == nil {
		return nil
	}
	phone := *sur.PhoneNumber
	line, err := s.lineByPhone(phone)
	if err != nil {
		return err
	}
	sur.LineActive = line.Status == LineActive
	sur.RoamingAllowed = line.RoamingEnabled
	plan, err := s.planByID(line.PlanID)
	if err != nil {
		return err
	}
	if !line.DataUsedGB.IsNumber() {
		return compareTypeError(">=", line.DataUsedGB.PyType(), "float")
	}
	sur.MobileDataUsageExceeded = line.DataUsedGB.V >= plan.DataLimitGB+line.DataRefuelingGB
	if req := sur.PaymentRequest; req != nil && req.Paid {
		if err := s.setBillToPaid(req.BillID); err != nil {
			return err
		}
		sur.PaymentRequest = nil
	}
	if sur.PaymentRequest == nil {
		c, err := s.customerByPhone(phone)
		if err != nil {
			return err
		}
		bills, err := s.billsAwaitingPayment(c)
		if err != nil {
			return err
		}
		if len(bills) != 0 {
			sur.PaymentRequest = &PaymentRequest{BillID: bills[0].BillID, AmountDue: bills[0].TotalDue}
		}
	}
	return nil
}
