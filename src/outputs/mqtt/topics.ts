/**
 * Every MQTT topic Panoptes publishes or subscribes to, built from the configured prefix in one place
 * (the README's "MQTT" section lists the same names). Camera ids are config slugs, so they are valid
 * single topic levels without escaping.
 */
export interface MqttTopics {
  detections(camera: string): string;
  events(camera: string): string;
  status(camera: string): string;
  readonly health: string;
  readonly metrics: string;
  readonly alerts: string;
  /** Retained `online` / `offline` (the last will). */
  readonly availability: string;
  /** `{prefix}/control/cameras/` : what follows is `<camera>/<action>`. */
  readonly controlCamerasPrefix: string;
  /** The subscription that catches every control topic, also the malformed ones (so they get a reply). */
  readonly controlSubscription: string;
  readonly controlReplies: string;
}

export function mqttTopics(prefix: string): MqttTopics {
  return {
    detections: (camera) => `${prefix}/detections/${camera}`,
    events: (camera) => `${prefix}/events/${camera}`,
    status: (camera) => `${prefix}/streams/status/${camera}`,
    health: `${prefix}/gateway/health`,
    metrics: `${prefix}/gateway/metrics`,
    alerts: `${prefix}/alerts/critical`,
    availability: `${prefix}/gateway/availability`,
    controlCamerasPrefix: `${prefix}/control/cameras/`,
    controlSubscription: `${prefix}/control/cameras/#`,
    controlReplies: `${prefix}/control/replies`,
  };
}
