// hearth-cli subcommands. Each returns the process exit code.
#pragma once

#include <string>
#include <vector>

namespace hearth::cli {

int runInfo(const std::vector<std::string>& args);
int runDevices(const std::vector<std::string>& args);
int runGenerate(const std::vector<std::string>& args);
int runPerplexity(const std::vector<std::string>& args);
int runTokenize(const std::vector<std::string>& args);
int runBench(const std::vector<std::string>& args);
int runChats(const std::vector<std::string>& args);
int runTemplate(const std::vector<std::string>& args);
int runModels(const std::vector<std::string>& args);
int runServe(const std::vector<std::string>& args);
int runSelfTest(const std::vector<std::string>& args);
int runStore(const std::vector<std::string>& args);

}  // namespace hearth::cli
