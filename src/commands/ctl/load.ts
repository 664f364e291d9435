import { saveLoadCommand } from '../../cli/save-load-command.js';

export default saveLoadCommand('load', 'Load a saved model on every server of a cluster (jubactl -c load).');
