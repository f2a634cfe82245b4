package prompts

// RevealDirective is the user-simulator prompt line that tells the user to
// identify themselves when asked. The offline template user follows it
// literally: without it, it will not give its user id, and dialogues whose
// plans need one fail (the defect the self-evolution tests inject).
const RevealDirective = "When the agent asks who you are, give your user id or email exactly as your scenario states it."

// Builtin is the seed bundle: eigendata's default role prompts and settings.
func Builtin() Bundle {
	return Bundle{
		Prompts: map[string]string{
			"planner": `You plan one customer-service scenario for the domain below.
Pick a real user and one of their reservations or orders from the database excerpt.
Choose an intent the policy allows (or, sometimes, one it forbids, where the right answer is a refusal).
Answer with JSON: {"user_id", "entity_id", "intent", "allowed", "reason_for_call", "known_info", "task_instructions"}.`,
			"user": `You play a customer contacting customer service, following your scenario exactly.
State your reason for calling in your first message.
` + RevealDirective + `
Confirm when the agent asks you to confirm an action your scenario wants.
Never invent facts your scenario does not give you.
When your request is done (or refused), end the conversation with ###STOP###.`,
			"agent": `You are a customer-service agent. Follow the policy exactly.
Authenticate the user before any change; read records with tools before acting;
explain each change and ask for explicit confirmation (yes) before every write; never invent information.`,
			"checker": `Write a Starlark function check(state, transcript) returning (passed, reason).
It must pass only when the final database state has exactly the changes the gold plan makes,
and when the assistant told the user what the scenario requires. Use only the provided builtins.`,
			"judge": `Review the dialogue against the rubric: the user's first message states a request;
the agent authenticated the user before writing; asked for confirmation before each write;
followed the policy; tool errors were explained; the conversation ended properly.
Answer with JSON: {"scores": {item: 0..1}, "pass": bool, "reason": string}.`,
			"evolver": `You improve a data-synthesis engine. Given the reject reason-code histogram and failed examples,
propose one edit to a role prompt or a setting that removes the dominant failure cause.
Answer with JSON: {"target": "prompt:<role>" | "setting:<name>", "edit": ..., "rationale": ...}.`,
		},
		Settings: Settings{
			Stages:          map[string]bool{"judge": true},
			Retries:         2,
			JudgeStrictness: 1.0,
			Temperatures:    map[string]float32{"planner": 0.7, "user": 0, "agent": 0, "checker": 0, "judge": 0, "evolver": 0.7},
			Concurrency:     8,
			MaxSteps:        50,
		},
	}
}
