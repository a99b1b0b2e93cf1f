// The Rust side's typed API (generated into bindings.ts from src-tauri/src/ipc.rs) plus
// helpers for its `{code, message}` errors.
export { commands, events } from "./bindings";
// What the UI receives (the `_Serialize` side of types whose fields have serde defaults).
export type {
  AppInfo,
  CallDirection,
  CallPhase,
  CandidateKind,
  ConnectionState,
  EndCode,
  ErrorCode,
  NoticeCode,
  CallStatsUpdate_Serialize as CallStatsUpdate,
  CallStatus_Serialize as CallStatus,
  ConnectionStatus_Serialize as ConnectionStatus,
  Device,
  DeviceList,
  LanHost,
  Peer,
  Resolution,
  Settings_Serialize as Settings,
} from "./bindings";

import type { ErrorCode } from "./bindings";

export interface CommandError {
  code: ErrorCode;
  message: string;
}

export function isCommandError(value: unknown): value is CommandError {
  return (
    typeof value === "object" &&
    value !== null &&
    typeof (value as CommandError).code === "string" &&
    typeof (value as CommandError).message === "string"
  );
}

export function errorMessage(value: unknown): string {
  if (isCommandError(value)) return value.message;
  if (value instanceof Error) return value.message;
  return String(value);
}
