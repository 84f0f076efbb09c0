#include "requirements.hpp"

#include "kadapter/error.hpp"

namespace kadapter::kernelcheck {

std::vector<Requirement> parse_fragment(std::string_view text)
{
    std::vector<Requirement> out;
    std::string comment; // the comment line just above, if any
    size_t pos = 0;
    for (int line_no = 1; pos < text.size(); ++line_no) {
        size_t end = text.find('\n', pos);
        if (end == std::string_view::npos)
            end = text.size();
        std::string_view line = text.substr(pos, end - pos);
        pos = end + 1;
        if (line.empty()) {
            comment.clear();
        } else if (line.starts_with("#")) {
            line.remove_prefix(1);
            while (line.starts_with(" "))
                line.remove_prefix(1);
            comment = line;
        } else if (line.starts_with("CONFIG_") && line.find('=') != std::string_view::npos) {
            size_t eq = line.find('=');
            if (comment.empty())
                throw Error(Errc::InvalidArgument,
                            "fragment line " + std::to_string(line_no) + ": " + std::string(line) + " has no reason");
            Requirement r;
            r.option = line.substr(0, eq);
            r.value = line.substr(eq + 1);
            if (comment.starts_with("build:")) {
                r.checked = false;
                comment.erase(0, 6);
                while (comment.starts_with(" "))
                    comment.erase(0, 1);
            }
            r.reason = comment;
            out.push_back(std::move(r));
            comment.clear();
        } else {
            throw Error(Errc::InvalidArgument,
                        "fragment line " + std::to_string(line_no) + ": cannot parse '" + std::string(line) + "'");
        }
    }
    return out;
}

const std::vector<Requirement>& bpf_lsm_requirements()
{
    static const std::vector<Requirement> requirements = parse_fragment(bpf_lsm_fragment());
    return requirements;
}

} // namespace kadapter::kernelcheck
