"""``microscope-dbsync upgrade|downgrade|current``: schema migrations of
the ``[database] connection`` database (alembic)."""
import sys

from oslo_config import cfg

from microscope_plugin import conf
from microscope_plugin.db import migration
from microscope_plugin.db import session


def _add_commands(subparsers):
    p = subparsers.add_parser('upgrade', help='Upgrade to a revision '
                              '(default: head, the newest).')
    p.add_argument('revision', nargs='?', default='head')
    p = subparsers.add_parser('downgrade', help='Downgrade to a revision '
                              '("base": drop every table).')
    p.add_argument('revision')
    subparsers.add_parser('current', help='Print the database revision.')
    subparsers.add_parser('history', help='List the revisions.')


COMMAND = cfg.SubCommandOpt('command', title='Commands',
                            handler=_add_commands, help='What to do.')


def main(argv=None):
    conf.CONF.register_cli_opt(COMMAND)
    try:
        conf.CONF(sys.argv[1:] if argv is None else argv,
                  project='microscope', prog='microscope-dbsync')
    except cfg.Error as e:
        sys.stderr.write('microscope-dbsync: %s\n' % e)
        return 2
    engine = session.get_engine(conf.CONF)
    cmd = conf.CONF.command
    try:
        if cmd.name == 'upgrade':
            migration.upgrade(engine, cmd.revision)
            print('database at %s' % migration.current(engine))
        elif cmd.name == 'downgrade':
            migration.downgrade(engine, cmd.revision)
            print('database at %s' % (migration.current(engine) or 'base'))
        elif cmd.name == 'current':
            rev = migration.current(engine)
            head = migration.head()
            print('%s%s' % (rev or 'base (empty)',
                            ' (head)' if rev == head else
                            ' (head is %s)' % head))
        elif cmd.name == 'history':
            for rev, doc in migration.revisions():
                print('%s  %s' % (rev, doc))
    finally:
        session.dispose_all()
        conf.CONF.reset()
        conf.CONF.unregister_opt(COMMAND)
    return 0


if __name__ == '__main__':
    sys.exit(main())
