// Reading what QEMU, virtiofsd and the guest's console wrote to their logs.
#pragma once

#include <fstream>
#include <sstream>
#include <string>

namespace kadapter::vm {

// The whole file ("" if it cannot be read: a log not written yet).
inline std::string read_text(const std::string& path)
{
    std::ifstream in(path);
    std::stringstream ss;
    ss << in.rdbuf();
    return ss.str();
}

// The last `bytes` of `text`, marked as cut.
inline std::string tail(const std::string& text, size_t bytes)
{
    return text.size() <= bytes ? text : "..." + text.substr(text.size() - bytes);
}

} // namespace kadapter::vm
