// The KubeArmor alert renderer (kadapter/kubearmor_alert.hpp).
#include <catch2/catch.hpp>

#include <string>

#include "alert_fixtures.hpp"
#include "kadapter/kubearmor_alert.hpp"

using namespace kadapter::testing;

TEST_CASE("a blocked open renders as KubeArmor's alert, field by field")
{
    CHECK(kadapter::kubearmor_alert(blocked_open(), web_meta(), "guest") == kBlockedOpenAlert);
}

TEST_CASE("alerts without a rule name the posture or kadapter's reason")
{
    kadapter::Event posture = blocked_open();
    posture.rule.reset();
    posture.reason = kadapter::Reason::Posture;
    const std::string p = kadapter::kubearmor_alert(posture, {}, "guest");
    CHECK(p.find(R"("PolicyName":"DefaultPosture")") != std::string::npos);
    CHECK(p.find(R"("Message")") == std::string::npos);

    kadapter::Event unresolvable = posture;
    unresolvable.reason = kadapter::Reason::Unresolvable;
    const std::string u = kadapter::kubearmor_alert(unresolvable, {}, "guest");
    CHECK(u.find(R"("PolicyName":"kadapter")") != std::string::npos);
    CHECK(u.find(R"("Message":"denied: unresolvable path")") != std::string::npos);

    kadapter::Event socket = blocked_open();
    socket.operation = kadapter::Operation::Socket;
    socket.resource = "domain=AF_INET type=SOCK_RAW protocol=ICMP";
    const std::string s = kadapter::kubearmor_alert(socket, {}, "guest");
    CHECK(s.find(R"("Data":"lsm=SOCKET_CREATE domain=AF_INET type=SOCK_RAW protocol=ICMP")") != std::string::npos);
    CHECK(s.find(R"("Operation":"Network")") != std::string::npos);

    kadapter::Event passed = blocked_open();
    passed.action = kadapter::Action::Audit;
    passed.error = 0;
    const std::string a = kadapter::kubearmor_alert(passed, {}, "guest");
    CHECK(a.find(R"("Result":"Passed")") != std::string::npos);
    CHECK(a.find(R"("Action":"Audit")") != std::string::npos);
}

TEST_CASE("an alert threshold renders as KubeArmor's SystemEvent")
{
    kadapter::Event e = blocked_open();
    e.operation = kadapter::Operation::AlertThreshold;
    e.rule.reset();
    e.max_alerts_per_sec = 10;
    e.throttle_sec = 30;
    const std::string a = kadapter::kubearmor_alert(e, web_meta(), "guest");
    CHECK(a.find(R"("Type":"SystemEvent")") != std::string::npos);
    CHECK(a.find(R"("Operation":"AlertThreshold")") != std::string::npos);
    CHECK(a.find(R"("MaxAlertsPerSec":10)") != std::string::npos);
    CHECK(a.find(R"("DroppingAlertsInterval":30)") != std::string::npos);
    CHECK(a.find(R"("Message":"alert threshold reached: alerts are dropped for 30 s")") != std::string::npos);
    CHECK(a.find(R"("PolicyName")") == std::string::npos);
}
