// The processes' I/O: the shim waits for each process, copies its stdout
// and stderr out and its stdin in, and sizes its terminal. The blocking
// calls end with CANCELLED when the client goes away.
#include "agent.pb.h"
#include "container.hpp"
#include "services/rpc.hpp"
#include "services/services.hpp"

namespace guest_init {
namespace {

using namespace rpc;

std::shared_ptr<Process> process_of(Agent& agent, const std::string& container_id, const std::string& exec_id)
{
    auto p = container_of(agent, container_id)->process(exec_id);
    if (!p)
        throw RpcError(Code::NotFound, "process " + exec_id + " not found in container " + container_id);
    return p;
}

} // namespace

void register_process_io(ttrpc::Server& server, Agent& agent)
{
    add<grpc::WaitProcessRequest, grpc::WaitProcessResponse>(
        server, kAgentService, "WaitProcess",
        [&agent](const grpc::WaitProcessRequest& req, const ttrpc::CallContext& ctx) {
            int status = process_of(agent, req.container_id(), req.exec_id())->wait(cancelled(ctx));
            if (status < 0)
                throw client_went_away();
            grpc::WaitProcessResponse r;
            r.set_status(status);
            return r;
        });

    for (int stream : {1, 2}) {
        add<grpc::ReadStreamRequest, grpc::ReadStreamResponse>(
            server, kAgentService, stream == 1 ? "ReadStdout" : "ReadStderr",
            [&agent, stream](const grpc::ReadStreamRequest& req, const ttrpc::CallContext& ctx) {
                auto p = process_of(agent, req.container_id(), req.exec_id());
                grpc::ReadStreamResponse r;
                r.set_data(p->read(stream, req.len(), cancelled(ctx)));
                return r;
            });
    }

    add<grpc::WriteStreamRequest, grpc::WriteStreamResponse>(
        server, kAgentService, "WriteStdin", [&agent](const grpc::WriteStreamRequest& req, const ttrpc::CallContext&) {
            grpc::WriteStreamResponse r;
            r.set_len(
                static_cast<uint32_t>(process_of(agent, req.container_id(), req.exec_id())->write_stdin(req.data())));
            return r;
        });

    add<grpc::CloseStdinRequest, google::protobuf::Empty>(
        server, kAgentService, "CloseStdin", [&agent](const grpc::CloseStdinRequest& req, const ttrpc::CallContext&) {
            process_of(agent, req.container_id(), req.exec_id())->close_stdin();
            return google::protobuf::Empty();
        });

    add<grpc::TtyWinResizeRequest, google::protobuf::Empty>(
        server, kAgentService, "TtyWinResize",
        [&agent](const grpc::TtyWinResizeRequest& req, const ttrpc::CallContext&) {
            process_of(agent, req.container_id(), req.exec_id())->resize(req.row(), req.column());
            return google::protobuf::Empty();
        });
}

} // namespace guest_init
