"""A real RTSP server for the tests: GStreamer's gst-rtsp-server through GObject introspection.

Serves /cam0 .. /cam{N-1} on 127.0.0.1, each a moving videotestsrc pattern encoded as H.264. Driven by
test/support/rtsp-server.ts; run with Debian's /usr/bin/python3 (python3-gi, gir1.2-gst-rtsp-server-1.0).
Options make it a camera that needs credentials (--user/--password), speaks rtsps:// (--tls-cert/--tls-key,
TLS through GIO's glib-networking backend) or offers only one transport (--transports udp|tcp). With
--clip (repeatable), mount i serves clip i % count instead: an H.264 MP4 file sent as it is (no
decoding or encoding, so a mount costs the server almost nothing), each client from the clip's start
on its own pipeline, in real time, ending the stream at the clip's end.

Protocol with the parent: once the socket is bound, one JSON line on stdout,
  {"port": 12345, "encoder": "x264enc"}
then nothing more on stdout. On failure a message on stderr and a non-zero exit; exit code 98
(EADDRINUSE on Linux) means the fixed --port is still taken, so the parent may retry.
SIGTERM and SIGINT stop the main loop and exit 0.
"""
import argparse
import json
import signal
import sys

import gi

gi.require_version("Gst", "1.0")
gi.require_version("GstRtsp", "1.0")
gi.require_version("GstRtspServer", "1.0")
from gi.repository import Gio, GLib, Gst, GstRtsp, GstRtspServer  # noqa: E402

EXIT_ADDRESS_IN_USE = 98
EXIT_NO_ENCODER = 3
EXIT_BIND_FAILED = 4
EXIT_BAD_CERTIFICATE = 5
ENCODERS = ("x264enc", "openh264enc", "avenc_h264_omx")


def encodes(launch, caps):
    """Whether `launch` turns one frame into H.264 here. Finding the element is not enough:
    avenc_h264_omx registers everywhere but fails without an OpenMAX library, and then every DESCRIBE
    would be answered 503."""
    try:
        pipeline = Gst.parse_launch(f"videotestsrc num-buffers=1 ! {caps} ! {launch} ! fakesink")
    except GLib.Error as err:
        return err.message
    pipeline.set_state(Gst.State.PLAYING)
    message = pipeline.get_bus().timed_pop_filtered(5 * Gst.SECOND, Gst.MessageType.ERROR | Gst.MessageType.EOS)
    pipeline.set_state(Gst.State.NULL)
    if message is None:
        return "no output within 5 s"
    if message.type == Gst.MessageType.ERROR:
        error, debug = message.parse_error()
        return f"{error.message} ({debug})" if debug else error.message
    return None


def pick_encoder(key_interval, caps, only=None):
    """The first working H.264 encoder (or `only`), as a launch fragment with a key frame every
    `key_interval` frames and no B-frames: a late joiner of a shared mount waits at most one interval.
    Returns (name, fragment, failures)."""
    candidates = [
        # threads=1: a test starts 20 mounts on a 2-core box; x264's default is a thread pool per encoder.
        ("x264enc", f"x264enc tune=zerolatency speed-preset=ultrafast threads=1 key-int-max={key_interval}"),
        ("openh264enc", f"openh264enc complexity=low gop-size={key_interval} multi-thread=1"),
        ("avenc_h264_omx", f"avenc_h264_omx gop-size={key_interval} max-bframes=0"),
    ]
    failures = []
    for name, launch in candidates:
        if only is not None and name != only:
            continue
        if Gst.ElementFactory.find(name) is None:
            failures.append(f"{name}: element not found")
            continue
        failure = encodes(launch, caps)
        if failure is None:
            return name, launch, failures
        failures.append(f"{name}: {failure}")
    return None, None, failures


def parse_args(argv):
    p = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    p.add_argument("mounts", nargs="?", type=int, default=1, help="number of mounts /cam0 .. /camN-1")
    p.add_argument("--port", type=int, default=0, help="TCP port; 0 lets the OS choose")
    p.add_argument("--width", type=int, default=640)
    p.add_argument("--height", type=int, default=360)
    p.add_argument("--fps", type=int, default=10)
    p.add_argument("--key-interval", type=int, default=10, help="frames between key frames")
    p.add_argument("--pattern", default="ball", help="videotestsrc pattern (ball moves; smpte does not)")
    p.add_argument("--encoder", choices=ENCODERS, help="default: the first that works, in this order")
    p.add_argument("--user")
    p.add_argument("--password")
    p.add_argument("--tls-cert", help="PEM certificate: serve rtsps:// (TLS) on the port instead of rtsp://")
    p.add_argument("--tls-key", help="PEM private key of --tls-cert")
    p.add_argument("--transports", choices=("tcp+udp", "udp", "tcp"), default="tcp+udp",
                   help="lower transports a SETUP may ask for; the others are answered 461")
    p.add_argument("--clip", action="append", default=[],
                   help="H.264 MP4 file; repeatable: mount i serves clip i %% count instead of the test pattern")
    args = p.parse_args(argv)
    if args.mounts < 1:
        p.error("mounts must be at least 1")
    if (args.user is None) != (args.password is None):
        p.error("--user and --password go together")
    if (args.tls_cert is None) != (args.tls_key is None):
        p.error("--tls-cert and --tls-key go together")
    return args


def make_auth(user, password):
    """Basic auth for every mount: only `user` holds the role that may access and construct media, so
    a client without credentials, or with wrong ones, is answered 401 with a WWW-Authenticate header."""
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, user)
    auth.add_basic(GstRtspServer.RTSPAuth.make_basic(user, password), token)
    role = Gst.Structure.new_empty(user)
    role.set_value(GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    role.set_value(GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
    return auth, role


def anonymous_access():
    """Every client gets the role "anonymous", which may access and construct every mount. Needed once
    the server has an RTSPAuth (for TLS) without credentials: a factory without a role allowing access
    is answered 404 by gst-rtsp-server's default checks."""
    auth = GstRtspServer.RTSPAuth()
    token = GstRtspServer.RTSPToken()
    token.set_string(GstRtspServer.RTSP_TOKEN_MEDIA_FACTORY_ROLE, "anonymous")
    auth.set_default_token(token)
    role = Gst.Structure.new_empty("anonymous")
    role.set_value(GstRtspServer.RTSP_PERM_MEDIA_FACTORY_ACCESS, True)
    role.set_value(GstRtspServer.RTSP_PERM_MEDIA_FACTORY_CONSTRUCT, True)
    return auth, role


# A restriction like a camera or NVR that offers only one transport; the default allows all of them.
RESTRICTED_TRANSPORTS = {"udp": GstRtsp.RTSPLowerTrans.UDP, "tcp": GstRtsp.RTSPLowerTrans.TCP}


def main(argv):
    args = parse_args(argv)
    Gst.init(None)

    caps = f"video/x-raw,width={args.width},height={args.height},framerate={args.fps}/1"
    if args.clip:
        # Clips are sent as they are: no encoder runs, so none needs to work.
        encoder, encoder_fragment, failures = "none", None, []
    else:
        encoder, encoder_fragment, failures = pick_encoder(args.key_interval, caps, args.encoder)
    if encoder is None:
        sys.stderr.write(
            "rtsp_server.py: no working H.264 encoder:\n  " + "\n  ".join(failures) + "\n"
            "install gstreamer1.0-plugins-ugly (x264enc) or gstreamer1.0-plugins-bad (openh264enc)\n")
        return EXIT_NO_ENCODER

    server = GstRtspServer.RTSPServer()
    server.set_address("127.0.0.1")
    # gst-rtsp-server binds with g_socket_bind(..., allow_reuse=TRUE), i.e. SO_REUSEADDR, so a restart on
    # the same port is not refused by the previous run's connections in TIME_WAIT.
    server.set_service(str(args.port))

    auth, role = None, None
    if args.user is not None:
        auth, role = make_auth(args.user, args.password)
    elif args.tls_cert is not None:
        auth, role = anonymous_access()
    if args.tls_cert is not None:
        # With a certificate on its RTSPAuth, gst-rtsp-server speaks TLS on every connection of the
        # same port: rtsps:// (clients use RTSP interleaved over the TLS stream).
        try:
            auth.set_tls_certificate(Gio.TlsCertificate.new_from_files(args.tls_cert, args.tls_key))
        except GLib.Error as err:
            sys.stderr.write(f"rtsp_server.py: could not load {args.tls_cert} / {args.tls_key}: {err.message}\n")
            return EXIT_BAD_CERTIFICATE
    if auth is not None:
        server.set_auth(auth)

    launch = (
        f"( videotestsrc is-live=true pattern={args.pattern} ! {caps} ! {encoder_fragment} "
        # config-interval=-1: SPS/PPS before every IDR, for decoders that ignore the SDP's sprop-parameter-sets.
        f"! rtph264pay name=pay0 pt=96 config-interval=-1 )"
    )
    mount_points = server.get_mount_points()
    for i in range(args.mounts):
        factory = GstRtspServer.RTSPMediaFactory()
        if args.clip:
            clip = args.clip[i % len(args.clip)].replace('"', '\\"')
            factory.set_launch(f'( filesrc location="{clip}" ! qtdemux ! h264parse ! rtph264pay name=pay0 pt=96 config-interval=-1 )')
            # A pipeline per client: a file has a start, and a shared one would be re-seeked to it by
            # every PLAY (ffmpeg sends Range: npt=0-), stalling the mount's other clients.
            factory.set_shared(False)
        else:
            factory.set_launch(launch)
            # One pipeline per mount however many clients play it, as one camera serves many viewers.
            factory.set_shared(True)
        if args.transports in RESTRICTED_TRANSPORTS:
            factory.set_protocols(RESTRICTED_TRANSPORTS[args.transports])
        # Not seekable, like a camera (the SDP then says a=range:npt=now-); gst-rtsp-server treats
        # media in this clock mode as unseekable. Otherwise every PLAY carrying "Range: npt=0-"
        # (ffmpeg sends one) flushes the shared pipeline, and another client's PLAY landing before
        # data flows again aborts the server: 1.22 g_asserts in gst_rtsp_media_get_rates after
        # "no segment event on send_rtp_sink pad". Measured with 8 concurrent ffmpeg clients on one
        # mount: 6 of 70 runs crashed without this, none of 70 with it.
        factory.set_publish_clock_mode(GstRtspServer.RTSPPublishClockMode.CLOCK_AND_OFFSET)
        if role is not None:
            factory.add_role_from_structure(role)
        mount_points.add_factory(f"/cam{i}", factory)

    # create_source (not attach) so a bind failure arrives as a GLib.Error with its reason.
    try:
        source = server.create_source(None)
    except GLib.Error as err:
        sys.stderr.write(f"rtsp_server.py: could not listen on 127.0.0.1:{args.port}: {err.message}\n")
        in_use = err.matches(Gio.io_error_quark(), Gio.IOErrorEnum.ADDRESS_IN_USE)
        return EXIT_ADDRESS_IN_USE if in_use else EXIT_BIND_FAILED
    source.attach(None)
    port = server.get_bound_port()

    loop = GLib.MainLoop()

    def stop():
        loop.quit()
        return GLib.SOURCE_REMOVE

    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGTERM, stop)
    GLib.unix_signal_add(GLib.PRIORITY_HIGH, signal.SIGINT, stop)

    sys.stdout.write(json.dumps({"port": port, "encoder": encoder}) + "\n")
    sys.stdout.flush()
    loop.run()
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
