/** Camera lifecycle states and the transition record every change produces. */
export const CAMERA_STATES = ['OFFLINE', 'CONNECTING', 'ONLINE', 'STALLED', 'CIRCUIT_OPEN', 'DISABLED'] as const;
export type CameraState = (typeof CAMERA_STATES)[number];

export interface CameraTransition {
  camera: string;
  from: CameraState;
  to: CameraState;
  /** Why, in words an operator can act on (credentials already masked). */
  reason: string;
  atMs: number;
}
