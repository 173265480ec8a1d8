// @vx/ivr: a DTMF menu engine (pure `step`), the specification's in-memory IvrMenuService, and a persisted IvrService.
export type {
  AgentAction,
  GatherAction,
  HangupAction,
  HangupReason,
  IvrAction,
  SayAction,
  TransferAction,
} from "./actions.js";
export type { IvrErrorCode } from "./errors.js";
export { IvrError, isIvrError } from "./errors.js";
export type { BackEvent, DigitsEvent, EndEvent, IvrEvent, StartEvent, TimeoutEvent } from "./events.js";
export type { HandOff, ItemAction, Menu, MenuDefinition, MenuGraph, MenuItem } from "./menu.js";
export { defineMenu, MENU_DEFAULTS } from "./menu.js";
export type { IvrMenuServiceOptions, IvrSessionSnapshot } from "./menu-service.js";
export { IvrMenuService } from "./menu-service.js";
export type {
  IvrMenu,
  IvrMenuFields,
  IvrMenuUpdate,
  IvrSession,
  IvrSessionEngineState,
  IvrSessionUpdate,
  NewIvrMenu,
  NewIvrSession,
} from "./records.js";
export { menuDefaults, sessionColumns, toMenu, toSessionState } from "./records.js";
export type { IvrMenuRepository, IvrSessionContext, IvrSessionRepository } from "./repository.js";
export type { IvrServiceOptions, IvrTurn, MenuWriteResult, SessionScope } from "./service.js";
export { IvrService } from "./service.js";
export type { EndReason, SessionState, SessionStatus } from "./session-state.js";
export { currentMenuId, isEnded, MAX_MENU_DEPTH, retryCount } from "./session-state.js";
export type { StepResult } from "./step.js";
export { step } from "./step.js";
export type { TwilioParams } from "./twilio/signature.js";
export { computeTwilioSignature, verifyTwilioSignature } from "./twilio/signature.js";
export type { TwimlOptions } from "./twilio/twiml.js";
export { escapeXml, renderTwiml } from "./twilio/twiml.js";
export type { MenuIssue, MenuIssueCode, ValidationReport } from "./validation.js";
export { isE164, MAX_DIGITS_PER_ITEM, RECOMMENDED_MAX_OPTIONS, validateMenu, validateMenuGraph } from "./validation.js";
export type { EmittedEvent, IvrEmit, IvrWebhookEvent } from "./webhook-events.js";
export { dispatchEvents, eventsForStep, IVR_WEBHOOK_EVENTS } from "./webhook-events.js";
