/**
 * The clients whose filter names labels, indexed by the cameras they follow (or every camera when they
 * name none), so a message reaches only the candidates for its camera and each is checked against its
 * label set: time a message is linear in those candidates, memory linear in the cameras each client
 * named. uWS topics cannot do this without one topic per camera x label, which is what let a client
 * make the server hold hundreds of thousands of topics.
 */
export class LabelledRoutes<C> {
  readonly #byCamera = new Map<string, Set<C>>();
  readonly #anyCamera = new Set<C>();
  /** The cameras each client is indexed under; null for every camera. */
  readonly #indexed = new Map<C, readonly string[] | null>();

  /** Clients indexed now. */
  get size(): number {
    return this.#indexed.size;
  }

  /** Indexes `client` under `cameras` (every camera when empty), replacing where it was. */
  set(client: C, cameras: ReadonlySet<string>): void {
    this.delete(client);
    if (cameras.size === 0) {
      this.#anyCamera.add(client);
      this.#indexed.set(client, null);
      return;
    }
    for (const camera of cameras) {
      let clients = this.#byCamera.get(camera);
      if (clients === undefined) this.#byCamera.set(camera, (clients = new Set()));
      clients.add(client);
    }
    this.#indexed.set(client, [...cameras]);
  }

  delete(client: C): void {
    const cameras = this.#indexed.get(client);
    if (cameras === undefined) return;
    this.#indexed.delete(client);
    if (cameras === null) {
      this.#anyCamera.delete(client);
      return;
    }
    for (const camera of cameras) {
      const clients = this.#byCamera.get(camera);
      clients?.delete(client);
      // An emptied camera is dropped, so a client cycling through names leaves nothing behind.
      if (clients?.size === 0) this.#byCamera.delete(camera);
    }
  }

  /** Calls `visit` once for each client that follows `camera`. */
  forCamera(camera: string, visit: (client: C) => void): void {
    const clients = this.#byCamera.get(camera);
    if (clients !== undefined) for (const client of clients) visit(client);
    for (const client of this.#anyCamera) visit(client);
  }

  /** Cameras with at least one client indexed under them (the index's own size, for the tests). */
  get cameraKeys(): number {
    return this.#byCamera.size;
  }
}
