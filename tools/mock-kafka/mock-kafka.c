/*
 * A Kafka protocol peer for tests: librdkafka's mock cluster, kept running until stdin closes.
 *
 *   mock-kafka [--brokers N] [--topic name:partitions]...
 *
 * Prints "BOOTSTRAP <host:port,...>" then "READY" on stdout. Reads commands on stdin, one per line,
 * answering "OK" or "ERR <reason>":
 *   topic <name> <partitions>   create a topic (kafkajs admin.createTopics does not work against the mock)
 *   down <brokerId>             take a broker down (connections refused)
 *   up <brokerId>               bring it back
 * Exits when stdin closes, so it never outlives the test process that started it.
 */
#include <librdkafka/rdkafka.h>
#include <librdkafka/rdkafka_mock.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

static int create_topic(rd_kafka_mock_cluster_t *mc, const char *spec_in) {
  char spec[512];
  snprintf(spec, sizeof spec, "%s", spec_in);
  char *colon = strrchr(spec, ':');
  int partitions = 1;
  if (colon) { *colon = '\0'; partitions = atoi(colon + 1); }
  if (partitions < 1) return -1;
  return rd_kafka_mock_topic_create(mc, spec, partitions, 1) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
}

int main(int argc, char **argv) {
  int brokers = 1;
  char errstr[512];
  rd_kafka_conf_t *conf = rd_kafka_conf_new();
  /* The mock cluster needs a client instance to live in; a producer that never produces will do. */
  if (rd_kafka_conf_set(conf, "log_level", "3", errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "conf: %s\n", errstr);
    return 1;
  }
  /* MOCK_KAFKA_DEBUG=mock (or any librdkafka debug contexts) traces the mock cluster on stderr. */
  const char *debug = getenv("MOCK_KAFKA_DEBUG");
  if (debug && *debug && rd_kafka_conf_set(conf, "debug", debug, errstr, sizeof errstr) != RD_KAFKA_CONF_OK) {
    fprintf(stderr, "conf: %s\n", errstr);
    return 1;
  }
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--brokers") && i + 1 < argc) brokers = atoi(argv[++i]);
  }
  rd_kafka_t *rk = rd_kafka_new(RD_KAFKA_PRODUCER, conf, errstr, sizeof errstr);
  if (!rk) { fprintf(stderr, "rd_kafka_new: %s\n", errstr); return 1; }
  rd_kafka_mock_cluster_t *mc = rd_kafka_mock_cluster_new(rk, brokers);
  if (!mc) { fprintf(stderr, "rd_kafka_mock_cluster_new failed\n"); return 1; }
  for (int i = 1; i < argc; i++) {
    if (!strcmp(argv[i], "--topic") && i + 1 < argc && create_topic(mc, argv[++i]) != 0) {
      fprintf(stderr, "cannot create topic %s\n", argv[i]);
      return 1;
    }
  }
  printf("BOOTSTRAP %s\nREADY\n", rd_kafka_mock_cluster_bootstraps(mc));
  fflush(stdout);

  char line[1024];
  while (fgets(line, sizeof line, stdin)) {
    char cmd[32], arg1[512];
    int n = 0, m = 0, parts = sscanf(line, "%31s %511s %d %d", cmd, arg1, &n, &m);
    int ok = -1;
    if (parts >= 3 && !strcmp(cmd, "topic")) {
      char spec[600];
      snprintf(spec, sizeof spec, "%s:%d", arg1, n);
      ok = create_topic(mc, spec);
    } else if (parts >= 2 && !strcmp(cmd, "down")) {
      ok = rd_kafka_mock_broker_set_down(mc, atoi(arg1)) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
    } else if (parts >= 2 && !strcmp(cmd, "up")) {
      ok = rd_kafka_mock_broker_set_up(mc, atoi(arg1)) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
    } else if (parts >= 4 && !strcmp(cmd, "leader")) {
      /* leader <topic> <partition> <broker id>: moves a partition's leadership (clients get NOT_LEADER). */
      ok = rd_kafka_mock_partition_set_leader(mc, arg1, n, m) == RD_KAFKA_RESP_ERR_NO_ERROR ? 0 : -1;
    }
    printf(ok == 0 ? "OK\n" : "ERR %s", ok == 0 ? "" : line);
    fflush(stdout);
  }
  rd_kafka_mock_cluster_destroy(mc);
  rd_kafka_destroy(rk);
  return 0;
}
