import { describe, expect, it } from '@jest/globals';
import { readStackConfig } from '../src/index.js';
import { registryDataSource, registrySystemProperties } from '../src/registry-service.js';

describe('registry launch settings', () => {
  it("keeps the schemas in the read-model database's apicurio_registry schema, password off the command line", () => {
    const config = readStackConfig({
      env: { DATABASE_URL: 'postgres://reader:pa%24%24word@db.internal:6432/allo' },
    });
    const dataSource = registryDataSource(config);
    const properties = registrySystemProperties(config, dataSource);

    expect(dataSource.password).toBe('pa$$word');
    expect(properties).toEqual(
      expect.arrayContaining([
        '-Dapicurio.storage.kind=sql',
        '-Dapicurio.storage.sql.kind=postgresql',
        '-Dapicurio.datasource.url=jdbc:postgresql://db.internal:6432/allo?currentSchema=apicurio_registry',
        '-Dapicurio.datasource.username=reader',
        '-Dapicurio.sql.db-schema=apicurio_registry',
        '-Dapicurio.rest.deletion.artifact.enabled=true',
        '-Dquarkus.management.port=18082',
      ]),
    );
    expect(properties.join(' ')).not.toMatch(/pa\$\$word|pa%24%24word|password/);
  });

  it("uses the embedded server's postgres database without DATABASE_URL", () => {
    const config = readStackConfig({ env: { POSTGRES_PORT: '25432' }, stateDir: '/nonexistent/state' });

    expect(registryDataSource(config)).toEqual({
      url: 'jdbc:postgresql://127.0.0.1:25432/postgres?currentSchema=apicurio_registry',
      username: 'postgres',
      password: 'allo-local',
    });
  });
});
