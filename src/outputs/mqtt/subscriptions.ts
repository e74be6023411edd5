/**
 * Which topics the embedded broker's clients are subscribed to, so the gateway builds a per-frame
 * message (detections: a JSON.stringify and aedes' routing, several percent of the coordinator at 50
 * busy cameras) only when someone will receive it. Filters are matched by qlobber, the matcher aedes
 * itself routes with. A client with a persistent session (clean: false) gets its old subscriptions back
 * without a SUBSCRIBE the broker announces, so while one is connected every topic counts as wanted.
 */
import type { Aedes, Client } from 'aedes';
import { Qlobber } from 'qlobber';

export class BrokerSubscriptions {
  readonly #filters = new Qlobber<string>({ separator: '/', wildcard_one: '+', wildcard_some: '#', match_empty_levels: true });
  readonly #byClient = new Map<string, Set<string>>();
  readonly #persistent = new Set<string>();
  /** Answers by topic until the next (un)subscription: a camera's topic is asked every frame. */
  readonly #answers = new Map<string, boolean>();

  constructor(aedes: Aedes) {
    aedes.on('client', (client: Client) => {
      if (client.clean === false) this.#persistent.add(client.id);
    });
    aedes.on('subscribe', (subscriptions, client) => {
      for (const { topic } of subscriptions) this.#add(client.id, topic);
    });
    aedes.on('unsubscribe', (topics, client) => {
      for (const topic of topics) this.#remove(client.id, topic);
    });
    aedes.on('clientDisconnect', (client: Client) => {
      this.#persistent.delete(client.id);
      for (const topic of this.#byClient.get(client.id) ?? []) this.#filters.remove(topic, client.id);
      this.#byClient.delete(client.id);
      this.#answers.clear();
    });
  }

  /** Some connected client may receive a message on `topic`. */
  wanted(topic: string): boolean {
    if (this.#persistent.size > 0) return true;
    let answer = this.#answers.get(topic);
    if (answer === undefined) {
      answer = this.#filters.match(topic).length > 0;
      this.#answers.set(topic, answer);
    }
    return answer;
  }

  #add(clientId: string, topic: string): void {
    let topics = this.#byClient.get(clientId);
    if (topics === undefined) this.#byClient.set(clientId, (topics = new Set()));
    if (!topics.has(topic)) this.#filters.add(topic, clientId);
    topics.add(topic);
    this.#answers.clear();
  }

  #remove(clientId: string, topic: string): void {
    const topics = this.#byClient.get(clientId);
    if (topics?.delete(topic) !== true) return;
    this.#filters.remove(topic, clientId);
    this.#answers.clear();
  }
}
