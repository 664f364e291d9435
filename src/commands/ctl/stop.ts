import { visorCommand } from '../../cli/visor-command.js';

export default visorCommand('stop', 'Stop the servers of a cluster that the visors started (jubactl -c stop).');
