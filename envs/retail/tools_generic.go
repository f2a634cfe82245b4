package retail

import "github.com/eigendata/eigendata/envs"

func calculateTool() *envs.Tool {
	type args struct {
		Expression string `json:"expression"`
	}
	return envs.NewTool("calculate", envs.Generic,
		"Calculate the result of a mathematical expression.",
		schema(param{name: "expression", desc: "The mathematical expression to calculate, such as '2 + 2'. The expression can contain numbers, operators (+, -, *, /), parentheses, and spaces."}),
		envs.Bind(func(_ *DB, a args) (any, error) { return Calculate(a.Expression) }))
}

func transferToHumanAgentsTool() *envs.Tool {
	type args struct {
		Summary string `json:"summary"`
	}
	return envs.NewTool("transfer_to_human_agents", envs.Generic,
		"Transfer the user to a human agent, with a summary of the user's issue.\n\n"+
			"Only transfer if\n"+
			" -  the user explicitly asks for a human agent\n"+
			" -  given the policy and the available tools, you cannot solve the user's issue.",
		schema(param{name: "summary", desc: "A summary of the user's issue."}),
		envs.Bind(func(_ *DB, _ args) (any, error) { return "Transfer successful", nil }))
}
