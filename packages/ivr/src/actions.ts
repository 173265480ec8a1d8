// What the engine asks the telephony layer to do: plain data, performed in order (TwiML, FreeSWITCH, a test).

export interface SayAction {
  type: "say";
  text: string;
}

/** Collect keys: up to `num_digits`, ended early by `finish_on_key` ("" = none) or `timeout_ms` of silence. */
export interface GatherAction {
  type: "gather";
  num_digits: number;
  timeout_ms: number;
  finish_on_key: string;
}

export interface TransferAction {
  type: "transfer";
  /** An E.164 number. */
  target: string;
}

export interface AgentAction {
  type: "agent";
  /** A queue or agent name. */
  target: string;
}

export type HangupReason = "max_retries" | "menu_unavailable";

export interface HangupAction {
  type: "hangup";
  reason: HangupReason;
}

export type IvrAction = SayAction | GatherAction | TransferAction | AgentAction | HangupAction;
