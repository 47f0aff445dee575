/**
 * The PostgreSQL JDBC driver (Debian's libpostgresql-jdbc-java and a JDK, installed by this
 * test when missing): a small Java program compiled with javac into a temp dir connects
 * (SET extra_float_digits, application_name), creates the blog, inserts with parameters,
 * runs one PreparedStatement ten times (from the 5th execution pgjdbc switches to a named
 * server-side statement with binary results), reads DatabaseMetaData.getColumns and
 * reports the SQLSTATE of a unique violation.
 */
import { execFile } from 'node:child_process';
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { promisify } from 'node:util';
import { expect } from 'chai';
import { startInProcessCluster, type InProcessCluster } from '../support/inProcessCluster';
import { ensureDebianPackages } from './aptInstall';
import { BLOG_SCHEMA } from './blogSchema';

const JAR = '/usr/share/java/postgresql.jar';

const PROGRAM = `
import java.sql.*;
import java.util.*;

public class Blog {
  public static void main(String[] args) throws Exception {
    Properties p = new Properties();
    p.setProperty("user", "postgres");
    p.setProperty("ApplicationName", "jdbc-compat");
    try (Connection c = DriverManager.getConnection(args[0], p)) {
      try (Statement s = c.createStatement()) {
        for (int i = 1; i < args.length; i++) s.execute(args[i]);
      }
      int ann;
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO users (email, name) VALUES (?, ?) RETURNING id")) {
        ps.setString(1, "ann@example.com");
        ps.setString(2, "Ann");
        try (ResultSet rs = ps.executeQuery()) { rs.next(); ann = rs.getInt(1); }
      }
      try (PreparedStatement ps = c.prepareStatement(
          "INSERT INTO posts (author_id, title, published) VALUES (?, ?, ?)")) {
        for (int i = 1; i <= 10; i++) {
          ps.setInt(1, ann);
          ps.setString(2, "post " + i);
          ps.setBoolean(3, i % 2 == 0);
          ps.executeUpdate();
        }
      }
      StringBuilder out = new StringBuilder();
      // Ten executions of one statement: the 5th onwards run as a named server-side
      // statement (prepareThreshold=5) with binary int4/bool/timestamptz results.
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT p.id, p.title, p.published, u.created_at FROM posts p JOIN users u ON u.id = p.author_id WHERE p.id = ?")) {
        for (int i = 1; i <= 10; i++) {
          ps.setInt(1, i);
          try (ResultSet rs = ps.executeQuery()) {
            rs.next();
            out.append(rs.getInt(1)).append(':').append(rs.getString(2)).append(':')
               .append(rs.getBoolean(3)).append(':').append(rs.getTimestamp(4) != null).append(';');
          }
        }
      }
      out.append('\\n');
      try (PreparedStatement ps = c.prepareStatement(
          "SELECT title FROM posts WHERE published = ? ORDER BY id LIMIT ? OFFSET ?")) {
        ps.setBoolean(1, true); ps.setInt(2, 2); ps.setInt(3, 1);
        try (ResultSet rs = ps.executeQuery()) { while (rs.next()) out.append(rs.getString(1)).append(';'); }
      }
      out.append('\\n');
      try (ResultSet rs = c.getMetaData().getColumns(null, "public", "users", "%")) {
        while (rs.next())
          out.append(rs.getString("COLUMN_NAME")).append(' ').append(rs.getString("TYPE_NAME"))
             .append(' ').append(rs.getString("IS_NULLABLE")).append(';');
      }
      out.append('\\n');
      try (PreparedStatement ps = c.prepareStatement("INSERT INTO users (email, name) VALUES (?, ?)")) {
        ps.setString(1, "ann@example.com");
        ps.setString(2, "dup");
        ps.executeUpdate();
        out.append("no error");
      } catch (SQLException e) {
        out.append(e.getSQLState());
      }
      System.out.println(out);
    }
  }
}
`;

describe('compat: JDBC (pgjdbc)', function () {
  this.timeout(600_000);
  let cluster: InProcessCluster;
  let dir = '';

  before(async function () {
    const ready = (): boolean => existsSync(JAR) && existsSync('/usr/bin/javac');
    const why = await ensureDebianPackages(ready, [
      'libpostgresql-jdbc-java',
      'default-jdk-headless',
    ]);
    if (why !== null) {
      console.log(`    JDBC skipped: ${why}`);
      this.skip();
    }
    dir = mkdtempSync(join(tmpdir(), 'sharddb-jdbc-'));
    writeFileSync(join(dir, 'Blog.java'), PROGRAM);
    await promisify(execFile)('javac', ['-cp', JAR, '-d', dir, join(dir, 'Blog.java')], {
      timeout: 120_000,
    });
    cluster = await startInProcessCluster({ shards: 2 });
  });

  after(async () => {
    await cluster?.close();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  it('runs a blog: parameters, server-side prepared statements, getColumns, 23505', async () => {
    const jdbcUrl = cluster.url.replace(/^postgres:\/\/[^@]*@/, 'jdbc:postgresql://');
    const { stdout } = await promisify(execFile)(
      'java',
      ['-cp', `${JAR}:${dir}`, 'Blog', jdbcUrl, ...BLOG_SCHEMA],
      { timeout: 120_000 },
    );
    const [repeated, page, columns, error] = stdout.trim().split('\n');
    const expected = Array.from(
      { length: 10 },
      (_, k) => `${k + 1}:post ${k + 1}:${(k + 1) % 2 === 0}:true;`,
    ).join('');
    expect(repeated).to.equal(expected);
    expect(page).to.equal('post 4;post 6;');
    expect(columns).to.equal(
      'id serial NO;email varchar NO;name text NO;created_at timestamptz NO;',
    );
    expect(error).to.equal('23505');
  });
});
