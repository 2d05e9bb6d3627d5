/**
 * Versions of the servers the local stack runs. Change a version here and only here: the cache
 * folders, the generated pom and docker-compose.yml (checked by a unit test) follow it.
 */

/** Apache Kafka broker (KRaft). 4.4.0 passed every kafkajs 2.2.4 check in infra/README.md. */
export const KAFKA_VERSION = '4.4.0';

/** Scala build of the Kafka broker artifact (`kafka_<scala>`). */
export const KAFKA_SCALA_VERSION = '2.13';

/**
 * log4j 2 for the broker. Kafka 4.x resolves slf4j-api 1.7.36, so the matching binding is
 * `log4j-slf4j-impl`; `log4j-slf4j2-impl` would leave the broker silent (no SLF4J provider).
 */
export const LOG4J_VERSION = '2.26.1';

/** Apicurio Registry (Confluent-compatible API at /apis/ccompat/v7). Needs Java 21 or newer. */
export const APICURIO_VERSION = '3.3.3';

/** Major Java version each JVM server needs at least. */
export const MIN_JAVA_MAJOR = { kafka: 17, registry: 21 } as const;

/** maven-dependency-plugin used to copy artifacts from Maven Central. */
export const MAVEN_DEPENDENCY_PLUGIN = 'org.apache.maven.plugins:maven-dependency-plugin:3.8.1';
