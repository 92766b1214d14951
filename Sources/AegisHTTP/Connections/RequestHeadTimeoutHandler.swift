import Logging
import NIOCore
import NIOHTTPTypes

/// Closes a connection whose request head is not complete within `timeout` of its first
/// byte (or of the accept, for a new connection); see `RequestHeadClock` and
/// docs/configuration.md (`AEGIS_REQUEST_HEAD_TIMEOUT_SECONDS`).
///
/// It sits after the HTTP/1 decoder (one instance per connection, added through Hummingbird's
/// `additionalChannelHandlers`), so it sees decoded parts; `channelReadComplete` still reaches
/// it after every socket read, whether or not the decoder produced a part, which is how it sees
/// a head arriving piecemeal.
final class RequestHeadTimeoutHandler: ChannelDuplexHandler, RemovableChannelHandler {
    typealias InboundIn = HTTPRequestPart
    typealias InboundOut = HTTPRequestPart
    typealias OutboundIn = HTTPResponsePart
    typealias OutboundOut = HTTPResponsePart

    private let timeout: TimeAmount
    private let logger: Logger
    private var clock = RequestHeadClock()
    private var timer: Scheduled<Void>?

    init(timeout: TimeAmount, logger: Logger) {
        self.timeout = timeout
        self.logger = logger
    }

    func handlerAdded(context: ChannelHandlerContext) {
        if context.channel.isActive { perform(clock.connectionStarted(), context) }
    }

    func handlerRemoved(context: ChannelHandlerContext) { cancelTimer() }

    func channelActive(context: ChannelHandlerContext) {
        perform(clock.connectionStarted(), context)
        context.fireChannelActive()
    }

    func channelInactive(context: ChannelHandlerContext) {
        cancelTimer()
        context.fireChannelInactive()
    }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head: perform(clock.read(.head), context)
        case .body: perform(clock.read(.body), context)
        case .end: perform(clock.read(.end), context)
        }
        context.fireChannelRead(data)
    }

    func channelReadComplete(context: ChannelHandlerContext) {
        perform(clock.readComplete(), context)
        context.fireChannelReadComplete()
    }

    func write(context: ChannelHandlerContext, data: NIOAny, promise: EventLoopPromise<Void>?) {
        if case .end = unwrapOutboundIn(data) { clock.responseEnded() }
        context.write(data, promise: promise)
    }

    private func perform(_ action: RequestHeadClock.Action, _ context: ChannelHandlerContext) {
        switch action {
        case .none:
            break
        case .startTimer:
            cancelTimer()
            let loopBound = NIOLoopBound((handler: self, context: context), eventLoop: context.eventLoop)
            timer = context.eventLoop.scheduleTask(in: timeout) {
                let (handler, context) = loopBound.value
                handler.timer = nil
                handler.perform(handler.clock.timerFired(), context)
            }
        case .cancelTimer:
            cancelTimer()
        case .close:
            logger.debug("closing connection: request head not received in time",
                         metadata: ["timeout_ms": "\(timeout.nanoseconds / 1_000_000)"])
            context.close(promise: nil)
        }
    }

    private func cancelTimer() {
        timer?.cancel()
        timer = nil
    }
}
