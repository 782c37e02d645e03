// The change-writer function behind the Lambda Invoke API in a process of its own, as in AWS (the
// listener on EC2, the writer in Lambda containers). Prints its endpoint, then serves until killed.
import { writeChanges, type WriteRequest } from "../functions/change-writer/writer.js";
import { localDynamo } from "../local/aws-clients.js";
import { startLambdaEndpoint } from "../local/lambda-endpoint.js";

const dynamo = localDynamo(process.argv[2]);
const endpoint = await startLambdaEndpoint({ "change-writer": (event) => writeChanges(dynamo, event as WriteRequest) });
console.log(endpoint.endpoint);
