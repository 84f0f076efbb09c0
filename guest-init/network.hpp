// The kata-agent's network RPCs: the runtime configures the NICs it plugged
// into the VM (found by MAC address), the routes and static neighbours over
// them, and reads them back, all through rtnetlink (rtnl.hpp).
//
// Every call checks its whole request (addresses, prefix lengths, MACs,
// names, devices) before it changes anything, and answers bad input with
// std::invalid_argument or kadapter::Error(NotFound) naming the field, as
// the request spells it ("routes.Routes[1].gateway").
#pragma once

#include <mutex>

#include "agent.pb.h"

namespace guest_init {

class Network {
public:
    // Finds the link whose MAC is hwAddr; sets its MTU (0: unchanged),
    // renames it to `name` (swapping names with a link already called so, as
    // the kata-agent does), makes its addresses exactly IPAddresses (the
    // kernel's IPv6 link-local address stays) and brings it up. Returns the
    // interface as it now is.
    types::Interface update_interface(const types::Interface& iface);
    // Replaces the routes of the main table on the devices the list names
    // (routes the kernel derives from addresses stay) with the list: routes
    // without a gateway first, so gateways are reachable. Returns every
    // route, as ListRoutes.
    grpc::Routes update_routes(const grpc::Routes& routes);
    // Adds (or replaces) static neighbour entries; state 0 means permanent.
    void add_arp_neighbors(const grpc::ARPNeighbors& neighbors);

    grpc::Interfaces list_interfaces();
    // The main table, IPv4 and IPv6.
    grpc::Routes list_routes();

private:
    std::mutex mu_; // one network change at a time, as the kata-agent's sandbox lock
};

} // namespace guest_init
