// plaza-fake-upstream: a scripted OpenAI/Anthropic upstream for tests and benchmarks. Scenarios are
// described in scenario.hpp and in tests/fake_upstream/fake.mjs, which starts it for node tests.
#include <spdlog/spdlog.h>
#include <CLI/CLI.hpp>

#include <iostream>

#include "handlers.hpp"
#include "http/server.hpp"

int main(int argc, char** argv) {
  using namespace plaza;
  CLI::App app{"Scripted fake upstream model server (OpenAI and Anthropic protocols) for Plaza's tests"};
  std::string listen = "127.0.0.1:0";
  int threads = 1;
  fake::Options options;
  app.add_option("--listen", listen, "host:port to listen on (port 0: any free port)");
  app.add_option("--threads", threads, "I/O threads")->check(CLI::Range(1, 256));
  app.add_option("--require-key", options.require_keys,
                 "accept only this key (Authorization: Bearer / x-api-key); repeatable");
  app.add_option("--chunks", options.chunks, "pieces the default answer is streamed in")->check(CLI::Range(1, 100000));
  app.add_option("--text", options.text, "the default answer");
  app.add_option("--record-cap", options.record_cap, "requests kept for /_fake/requests (0: none)");
  app.add_option("--models", options.models, "model ids listed by /v1/models")->delimiter(',');
  CLI11_PARSE(app, argc, argv);

  auto colon = listen.rfind(':');
  if (colon == std::string::npos) {
    std::cerr << "--listen needs host:port\n";
    return 2;
  }
  http::ServerOptions opts;
  opts.host = listen.substr(0, colon);
  try {
    opts.port = static_cast<uint16_t>(std::stoi(listen.substr(colon + 1)));
  } catch (const std::exception&) {
    std::cerr << "--listen needs host:port\n";
    return 2;
  }
  opts.threads = threads;
  opts.access_log = false;
  // Stalled streams never finish on their own: don't keep a stopping fake around for long.
  opts.shutdown_grace = std::chrono::seconds(1);
  spdlog::set_level(spdlog::level::warn);

  fake::FakeState state(std::move(options));
  http::Router router;
  fake::register_routes(router, &state);
  std::vector<std::string> names;
  for (const auto& r : router.routes()) names.push_back(r.pattern);
  names.emplace_back("unmatched");
  http::Metrics metrics(std::move(names));
  http::Server server(opts, router, metrics);
  uint16_t port = 0;
  try {
    port = server.listen();
  } catch (const std::exception& e) {
    std::cerr << "cannot listen on " << listen << ": " << e.what() << "\n";
    return 1;
  }
  std::cout << "fake upstream listening on http://" << opts.host << ":" << port << std::endl;
  server.run();
  return 0;
}
