import HTTPTypes
import Logging
import NIOCore
import NIOHTTP1
import NIOHTTPTypes

/// Guards each connection's request heads (docs/configuration.md, docs/api.md):
///
/// * closes a connection whose request head is not complete within `timeout` of its first
///   byte, or of the accept for a new connection (`AEGIS_REQUEST_HEAD_TIMEOUT_SECONDS`; the
///   decisions are `RequestHeadClock`'s);
/// * answers a head the HTTP/1 decoder rejects with a JSON error (400 `Bad Request`, or 431
///   when the headers are too large) and closes, where Hummingbird would send an empty 400.
///
/// It sits after the HTTP/1 decoder (one instance per connection, added through Hummingbird's
/// `additionalChannelHandlers`), so it sees decoded parts; `channelReadComplete` still reaches
/// it after every socket read, whether or not the decoder produced a part, which is how it sees
/// a head arriving piecemeal.
final class RequestHeadGuard: ChannelDuplexHandler, RemovableChannelHandler {
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

    func errorCaught(context: ChannelHandlerContext, error: any Error) {
        // Mid-request, Hummingbird reports the error to the handler reading the body.
        guard let parseError = error as? HTTPParserError, clock.openRequests == 0 else {
            context.fireErrorCaught(error)
            return
        }
        cancelTimer()
        let tooLarge = parseError == .headerOverflow
        let status: HTTPResponse.Status = tooLarge ? .requestHeaderFieldsTooLarge : .badRequest
        let body = RouteResponse.detailBytes(tooLarge ? "Request header fields too large" : "Bad Request")
        var fields = HTTPFields()
        fields[.contentType] = "application/json"
        fields[.contentLength] = String(body.count)
        fields[.connection] = "close"
        fields[.contentTypeOptions] = "nosniff"
        context.write(wrapOutboundOut(.head(HTTPResponse(status: status, headerFields: fields))), promise: nil)
        context.write(wrapOutboundOut(.body(ByteBuffer(bytes: body))), promise: nil)
        let written = context.eventLoop.makePromise(of: Void.self)
        context.writeAndFlush(wrapOutboundOut(.end(nil)), promise: written)
        let loopBound = NIOLoopBound(context, eventLoop: context.eventLoop)
        written.futureResult.whenComplete { _ in loopBound.value.close(promise: nil) }
        logger.debug("closing connection: malformed request head", metadata: ["error": "\(parseError)"])
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
