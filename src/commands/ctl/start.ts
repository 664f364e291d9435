import { visorCommand } from '../../cli/visor-command.js';

export default visorCommand('start', 'Start servers of a cluster through the visors (jubactl -c start).');
